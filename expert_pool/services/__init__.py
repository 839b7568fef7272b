"""The expert pool's writes, split by sub-domain: registry (profiles, import) and draws."""
