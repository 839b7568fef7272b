"""Who may do what in trading. Object-level rules take a Project (or a Section's project)."""

from accounts.models import Role
from accounts.permissions import register, roles

from .selectors import is_party


def _party(user, project=None) -> bool:
    return project is not None and is_party(user=user, project=project)


register("trading.desk", roles(Role.TENDERER, Role.AGENCY, Role.BIDDER, Role.REGULATOR, Role.OFFICIAL, Role.ADMIN))
register("trading.project.create", roles(Role.TENDERER, Role.AGENCY))
# Manage: change the draft, publish, amend, upload documents, enter candidates, awards and contracts.
register("trading.project.manage", _party)
# See a project's private side (registrations, bids metadata, history): the parties and the regulators.
register("trading.project.inspect",
         lambda user, project=None: _party(user, project) or user.role in (Role.REGULATOR, Role.OFFICIAL, Role.ADMIN))
# A draft (not yet published) project: its parties and the regulators only — not the admin, not the official.
register("trading.project.draft", lambda user, project=None: _party(user, project) or user.role == Role.REGULATOR)
register("trading.project.supervise", roles(Role.REGULATOR))
register("trading.section.join", roles(Role.BIDDER))
register("trading.bid.submit", roles(Role.BIDDER))

