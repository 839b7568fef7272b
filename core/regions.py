"""Administrative division codes (行政区划代码, 6 digits)."""


def region_prefix(region: str) -> str:
    """A region covers its subdivisions: 310000 → "31", 310100 → "3101", 310104 → "310104"."""
    prefix = region
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix
