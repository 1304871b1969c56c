"""jamlik.ingest."""
