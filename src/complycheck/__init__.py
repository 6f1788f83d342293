"""complycheck: decide whether a service contract was fulfilled, rule by rule, on evidence anyone can re-check."""

__version__ = "0.1.0"

__all__ = ["__version__"]
