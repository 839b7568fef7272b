"""The demo world published as open data: every release of every project the other demos created."""

from django.db import transaction

from .services import releases_publish_all


def seed(*, stdout) -> None:
    stored = releases_publish_all()
    stdout.write(f"open data: {stored} OCDS releases published")

    def documents() -> None:
        """The demo sales' signed PDFs are made by tasks when the seed commits: their releases follow them."""
        stdout.write(f"open data: {releases_publish_all()} OCDS releases of signed documents published")

    transaction.on_commit(documents)
