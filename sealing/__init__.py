"""Sealed bid envelopes: the format and its crypto suites, in plain Python (no Django)."""
