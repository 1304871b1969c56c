"""jamlik.routing."""
