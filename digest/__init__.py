"""digest: clusters news coverage of the same event and emails an attributed summary of each story."""

__version__ = "0.1.0"
