"""Collusion signals (TL 40) and red flags: their catalogue and the set-based queries that find them."""
