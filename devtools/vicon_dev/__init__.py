"""Development-only tools: the `make run` server and the local Zoom fake. Never deployed (decision 0018)."""
