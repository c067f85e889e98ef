"""Version 1 of the fleet commands."""
