"""Who may do what with deposits."""

from accounts.models import Role
from accounts.permissions import register, roles

# A bidder sees its own sub-accounts, amounts, deadlines and status, and records its guarantees.
register("deposits.own", roles(Role.BIDDER))
# The trading centre's finance staff import bank statements and record refunds for every requirement; an agency
# (or a seller acting as tenderer) does it for the requirements it organises (checked per object).
register("deposits.operate", roles(Role.ADMIN, Role.AGENCY, Role.TENDERER))
register("deposits.import", roles(Role.ADMIN))
register("deposits.requirement", lambda user, obj: obj is not None and (
    user.role == Role.ADMIN or (user.role in {Role.AGENCY, Role.TENDERER} and user.organisation_id is not None
                                and obj.organiser_id == user.organisation_id)))
# Regulators read everything (after the deadline for tender bonds, like everyone).
register("deposits.watch", roles(Role.REGULATOR))
