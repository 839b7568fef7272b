"""Who may do what with credit. Lists and the joint-punishment feed are public (no rule)."""

from accounts.models import Role
from accounts.permissions import register, roles

from .selectors import is_subject_of

# Regulators record decisions, correct events, decide appeals and repairs, edit the catalogue.
register("credit.manage", roles(Role.REGULATOR))
# People who have a credit page of their own: organisations' staff and experts.
register("credit.own", roles(Role.BIDDER, Role.AGENCY, Role.TENDERER, Role.EXPERT))
# Appeal against an event, apply to repair an entry: only its subject.
register("credit.subject", lambda user, obj: obj is not None and is_subject_of(user, obj))
