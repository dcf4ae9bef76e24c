"""sweeps page."""
