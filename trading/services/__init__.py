"""Writes of the trading domain, split by sub-domain; each service records itself in the audit chain."""
