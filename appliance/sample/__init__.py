"""The built-in sample site: fictional An Giang portal content for `portal demo`."""
