"""scale page."""
