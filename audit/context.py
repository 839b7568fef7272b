"""Who is acting, from where: set once per request, websocket message, task or command."""

import contextlib
import contextvars


class Actor:
    """The person (or the system) behind the events recorded while it is current.

    For a web request the user is read from the request when an event is
    recorded, so an event recorded by the log-in itself names the new user.
    """

    def __init__(self, *, label: str, source: str, ip_address: str = "", user=None, request=None):
        self.label = label
        self.source = source
        self.ip_address = ip_address
        self._user = user
        self._request = request

    @property
    def user(self):
        user = getattr(self._request, "user", None) if self._request is not None else self._user
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return user

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user else None

    @property
    def role(self) -> str:
        return self.user.role if self.user else ""

    @property
    def name(self) -> str:
        return self.user.get_username() if self.user else self.label


SYSTEM = Actor(label="system", source="task")
_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("audit_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current.get()


@contextlib.contextmanager
def acting_as(actor: Actor):
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
