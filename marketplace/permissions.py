"""Who may do what in the marketplace (registered from MarketplaceConfig.ready)."""

from accounts.models import Role
from accounts.permissions import register, roles

from .selectors import is_owner


def _owner(user, purchase=None) -> bool:
    return user.role == Role.TENDERER and (purchase is None or is_owner(user=user, purchase=purchase))


register("marketplace.purchase.post", roles(Role.TENDERER))
register("marketplace.purchase.manage", _owner)
register("marketplace.intermediary.register", roles(Role.BIDDER))
register("marketplace.oversee", roles(Role.REGULATOR, Role.ADMIN, Role.OFFICIAL))
register("marketplace.intermediary.suspend", roles(Role.REGULATOR))
register("marketplace.committee.score", lambda user, purchase=None: purchase is None
         or purchase.committee.filter(person=user).exists())
