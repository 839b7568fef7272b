"""The demo world published as open data: every release of every project the other demos created."""

from .services import releases_publish_all


def seed(*, stdout) -> None:
    stored = releases_publish_all()
    stdout.write(f"open data: {stored} OCDS releases published")
