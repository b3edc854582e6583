"""Accord: a node that exchanges classified military information under a GSOMIA."""

__all__ = ["__version__"]

__version__ = "0.1.0"
