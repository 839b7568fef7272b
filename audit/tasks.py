import logging

from celery import shared_task

from .selectors import audit_verify

logger = logging.getLogger(__name__)


@shared_task
def verify_audit_chain() -> bool:
    """Verify the whole chain; a broken chain is logged as an error for the operators' alerting."""
    report = audit_verify()
    if not report.ok:
        logger.error("audit chain broken at #%s: %s", report.broken_at, report.reason)
    return report.ok


@shared_task
def audit_checkpoint() -> int | None:
    """Sign and publish the chain's head if it moved since the last checkpoint (audit.checkpoints)."""
    from .checkpoints import checkpoint_take

    checkpoint = checkpoint_take()
    return checkpoint.seq if checkpoint else None
