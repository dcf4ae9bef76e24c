"""network page."""
