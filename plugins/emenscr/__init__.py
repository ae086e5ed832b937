"""emenscr target."""
