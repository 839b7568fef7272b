"""Who may do what in the opening room; the room's own roles (host, observer, bidder, public) are in selectors."""

from accounts.models import Role
from accounts.permissions import register, roles

# The regulator's live board of every room in progress (开评标全监控).
register("bidding_room.board", roles(Role.REGULATOR, Role.OFFICIAL, Role.ADMIN))
