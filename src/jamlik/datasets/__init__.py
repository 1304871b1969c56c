"""jamlik.datasets."""
