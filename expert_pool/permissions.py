"""Who may do what in the expert pool (registered from ExpertPoolConfig.ready)."""

from accounts.models import Role
from accounts.permissions import register, roles

from .selectors.draws import is_party_of


def _draw_party_or_regulator(user, request=None) -> bool:
    if user.role == Role.REGULATOR:
        return True
    if user.role not in (Role.AGENCY, Role.TENDERER):
        return False
    return request is None or is_party_of(user=user, request=request)


register("expert_pool.profile.edit", roles(Role.EXPERT))
register("expert_pool.manage", roles(Role.ADMIN, Role.REGULATOR))
register("expert_pool.draw.request", roles(Role.AGENCY, Role.TENDERER))
def _called_expert(user, request=None) -> bool:
    """An expert of the draw who was called (a member, or a reserve once notified): a reserve never called learns
    nothing of the project, its time or its venue."""
    from .models import Seat

    if user.role != Role.EXPERT:
        return False
    return request is None or request.seats.filter(expert__user=user).exclude(state=Seat.State.WAITING).exists()


register("expert_pool.draw.view", lambda user, request=None: _draw_party_or_regulator(user, request)
         or _called_expert(user, request))
register("expert_pool.draw.perform", _draw_party_or_regulator)
register("expert_pool.draw.announce", _draw_party_or_regulator)
register("expert_pool.seat.withdraw", roles(Role.REGULATOR))



def _section_host(user, section=None) -> bool:
    from trading.selectors import is_party

    if user.role not in (Role.AGENCY, Role.TENDERER):
        return False
    return section is None or is_party(user=user, project=section.project)


register("expert_pool.section.draw", _section_host)
