"""Reports (issue 25): aggregated counts over a period, for the console page and the command line."""
