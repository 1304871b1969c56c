"""The bad-input corpus of issue 8: damaged real files over every command."""
