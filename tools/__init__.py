"""Build tools run from a checkout (`make package`); never deployed."""
