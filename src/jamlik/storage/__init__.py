"""jamlik.storage."""
