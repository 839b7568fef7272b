"""Compiling releases into a record (OCDS merge rules) and wrapping releases and records in packages.

Merge, as the OCDS merging specification says for the shapes our releases use: releases in date order (equal
dates keep publication order); objects merge field by field, later values win; arrays of objects with an ``id``
merge item by item on that id (new ids are appended); any other array or value is replaced. ``ocdskit compile``
(through ocdsmerge) gives the same compiled releases: tests/opendata/test_ocds.py checks it.
"""

import copy

from django.conf import settings
from django.utils import timezone

from .ocds import EXTENSIONS, when


def _identified(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, dict) and "id" in i for i in value)


def _merge(target: dict, source: dict) -> None:
    for key, value in source.items():
        if isinstance(value, dict):
            if not isinstance(target.get(key), dict):
                target[key] = {}
            _merge(target[key], value)
        elif _identified(value) and _identified(target.get(key)):
            by_id = {item["id"]: item for item in target[key]}
            for item in value:
                if item["id"] in by_id:
                    _merge(by_id[item["id"]], item)
                else:
                    copied = copy.deepcopy(item)
                    target[key].append(copied)
                    by_id[item["id"]] = copied
        else:
            target[key] = copy.deepcopy(value)


def release_compile(releases: list[dict]) -> dict:
    """The compiled release of one ocid's releases."""
    ordered = sorted(releases, key=lambda r: r["date"])
    compiled: dict = {}
    for release in ordered:
        _merge(compiled, {k: v for k, v in release.items() if k not in ("id", "tag")})
    last = ordered[-1]
    compiled["id"] = f"{last['ocid']}-{last['date']}"
    compiled["tag"] = ["compiled"]
    return compiled


def record_build(releases: list[dict]) -> dict:
    return {"ocid": releases[0]["ocid"], "releases": releases, "compiledRelease": release_compile(releases)}


def package_meta(*, uri: str, published=None) -> dict:
    """What every package says about itself: OCDS version, extensions, publisher, licence, publication policy."""
    publisher = {key: value for key, value in settings.OPENDATA_PUBLISHER.items() if value}
    meta = {"uri": uri, "version": "1.1", "extensions": EXTENSIONS,
            "publishedDate": when(published or timezone.now()), "publisher": publisher}
    if settings.OPENDATA_LICENSE:
        meta["license"] = settings.OPENDATA_LICENSE
    if settings.OPENDATA_PUBLICATION_POLICY:
        meta["publicationPolicy"] = settings.OPENDATA_PUBLICATION_POLICY
    return meta


def release_package(*, uri: str, releases: list[dict], published=None) -> dict:
    return {**package_meta(uri=uri, published=published), "releases": releases}


def record_package(*, uri: str, records: list[dict], published=None) -> dict:
    return {**package_meta(uri=uri, published=published), "records": records}
