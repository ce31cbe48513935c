"""The portal appliance core: config, storage, app assembly, CLI, i18n, security."""

__version__ = "0.1.0"
