"""jamlik.indicators."""
