"""Marketplace rows built through the services."""

import datetime as dt
import hashlib
import itertools
import secrets

from django.utils import timezone

from accounts.models import Organisation, Role, User
from core.workdays import today
from marketplace.models import Purchase
from marketplace.services import purchases, registry
from tests import factories

_serial = itertools.count(1)


def intermediary(*, service_types=("ZJZX",), regions=("310000",), valid_until: dt.date | None = None, name=None):
    organisation = factories.organisation(org_type=Organisation.Type.BIDDER,
                                          name=name or f"测试中介机构{next(_serial)}号")
    person = factories.user(role=Role.BIDDER, organisation_obj=organisation)
    User.objects.filter(pk=person.pk).update(display_name="李经理")
    registered = registry.intermediary_register(organisation=organisation, service_types=list(service_types),
                                                regions=list(regions), contact_name="联系人",
                                                contact_phone="021-55550000")
    for n, code in enumerate(service_types):
        registry.qualification_add(intermediary=registered, service_type=code, name="甲级资质",
                                   number=f"甲{organisation.pk:06d}{n}",
                                   valid_from=today() - dt.timedelta(days=365),
                                   valid_until=valid_until or today() + dt.timedelta(days=365))
    return registered


def owner():
    person = factories.user(role=Role.TENDERER, organisation_obj=factories.organisation(
        org_type=Organisation.Type.TENDERER, name=f"测试业主单位{next(_serial)}号"))
    person.display_name = "王业主"
    person.save(update_fields=["display_name"])
    return person


def purchase(*, by=None, method="random", service_type="ZJZX", fee_cap="80000", region="310104", **extra) -> Purchase:
    by = by or owner()
    extra.setdefault("deadline", timezone.now() + dt.timedelta(days=5))
    if method == "direct":
        extra.setdefault("direct_reason", "抢险救灾工程急需，时间紧迫")
        fee_cap = "30000" if fee_cap == "80000" else fee_cap
    return purchases.purchase_post(by=by, title="阳光市第一人民医院门诊楼改造造价咨询", service_type=service_type,
                                   scope="编制工程量清单及招标控制价", region=region, fee_cap=fee_cap, method=method,
                                   requirements="具有造价咨询甲级资质", **extra)


def deadline_passes(purchase: Purchase) -> Purchase:
    """Move the deadline into the past in the database (never wait for a clock)."""
    Purchase.objects.filter(pk=purchase.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    purchase.refresh_from_db()
    return purchase


def publicity_ends(purchase: Purchase) -> Purchase:
    Purchase.objects.filter(pk=purchase.pk).update(publicity_until=today() - dt.timedelta(days=1))
    purchase.refresh_from_db()
    return purchase


def witness_commits(purchase: Purchase, regulator=None) -> tuple[bytes, User]:
    """A regulator witnesses the purchase's draw: a secret made "on its machine", only its SHA-256 handed in."""
    from marketplace.services import draws

    regulator = regulator or factories.user(role=Role.REGULATOR, organisation_obj=factories.organisation(
        org_type=Organisation.Type.REGULATOR, name=f"测试监管部门{next(_serial)}号"))
    secret = secrets.token_bytes(32)
    draws.witness_commit(purchase=purchase, user=regulator, commitment=hashlib.sha256(secret).hexdigest())
    return secret, regulator
