"""Celery tasks of the sales: they take ids and call a service."""

from celery import shared_task

from .documents import document_generate
from .services import lot_advance, lots_sweep


@shared_task
def lot_due(lot_id: int) -> str:
    """Queued for a lot's next due time (start, listing end, countdown end)."""
    return lot_advance(lot_id=lot_id).state


@shared_task
def auctions_sweep() -> int:
    """Periodic: every lot with a step due; nothing timed depends on one task arriving."""
    return lots_sweep()


@shared_task
def lot_document(lot_id: int, kind: str) -> str:
    """Render, sign and publish a result document (网上竞得证明 / 成交确认书)."""
    return document_generate(lot_id=lot_id, kind=kind).sha256
