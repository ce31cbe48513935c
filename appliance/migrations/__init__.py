"""Numbered schema migrations, applied in order at start-up (see appliance.db)."""
