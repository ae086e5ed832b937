"""inspection target."""
