"""race page."""
