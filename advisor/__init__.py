"""django-async-advisor: finds the Django views worth converting to async, explains why,
and rewrites them."""

__version__ = "0.1.0"
