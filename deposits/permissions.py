"""Who may do what with deposits."""

from accounts.models import Role
from accounts.permissions import register, roles


def _organises(user, requirement) -> bool:
    return (user.role in {Role.AGENCY, Role.TENDERER} and user.organisation_id is not None
            and requirement.organiser_id == user.organisation_id)


# A bidder sees its own sub-accounts, amounts, deadlines and status, and records its guarantees.
register("deposits.own", roles(Role.BIDDER))
# The deposits pages of the trading centre (admin), agencies and sellers (their own), regulators (read only).
register("deposits.manage", roles(Role.ADMIN, Role.AGENCY, Role.TENDERER, Role.REGULATOR))
# Only the trading centre's finance staff import bank statements.
register("deposits.import", roles(Role.ADMIN))
# One requirement's page: the trading centre and regulators, or the agency or seller who organises it.
register("deposits.requirement", lambda user, obj: obj is not None and (
    user.role in {Role.ADMIN, Role.REGULATOR} or _organises(user, obj)))
# Recording refunds: the trading centre, or the organiser; never the regulator (who watches).
register("deposits.refund", lambda user, obj: obj is not None and (user.role == Role.ADMIN or _organises(user, obj)))
