"""emes target."""
