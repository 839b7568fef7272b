"""Celery tasks of the sales: they take ids and call a service."""

from celery import shared_task

from .documents import document_generate
from .services import lot_advance, lots_sweep
from .services.notices import lot_result_notice_publish


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


@shared_task
def lot_result_notice(lot_id: int) -> int | None:
    """Publish a lot's result notice on the portal (成交公告 with the 网上竞得证明, or 流拍公告); idempotent."""
    notice = lot_result_notice_publish(lot_id=lot_id)
    return notice.pk if notice is not None else None
