"""`outreach serve`: the studio, a local web workspace over the same library the CLI calls."""
