"""One module per use case, each constructed with only the ports it needs (decision 0017)."""
