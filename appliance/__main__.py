"""`python -m appliance` runs the `portal` command."""

import sys

from appliance.cli import main

if __name__ == "__main__":
    sys.exit(main())
