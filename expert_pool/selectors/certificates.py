"""Whom an expert's certificate must name (registered with trading.services.keys in ExpertPoolConfig.ready)."""

from ..models import Expert


def expert_certificate_holder(user):
    """An expert's personal certificate names the expert's number in the pool (专家证号) in its subject's
    serialNumber; None for an account with no expert record."""
    from trading.services.certificates import Holder

    expert = Expert.objects.filter(user=user).first()
    if expert is None:
        return None
    return Holder(kind="person", code=expert.id_number, name=str(user))
