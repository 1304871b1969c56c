"""Reports: charts (and, later, maps and the SKA report) rendered from run results."""
