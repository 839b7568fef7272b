"""Who may do what with sales; a sale's own roles (host, official, bidder) are checked by its services."""

from accounts.models import Role
from accounts.permissions import register, roles

register("auctions.sale.create", roles(Role.AGENCY, Role.TENDERER))
register("auctions.watch", roles(Role.REGULATOR, Role.OFFICIAL, Role.ADMIN))
register("auctions.suspend", roles(Role.REGULATOR))
