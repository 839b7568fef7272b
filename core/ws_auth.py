"""Websocket authentication off Channels' single database thread.

``channels.auth.AuthMiddlewareStack`` loads the session and the user with
``database_sync_to_async`` (thread-sensitive): every websocket handshake of the
process queues on ONE thread, behind every other thread-sensitive call (commands,
decryption run eagerly). In a connect burst of 1,000 clients that queue is what
dropped connections (docs/opening-room.md "Performance"). The same lookup here runs
on the default executor (ASGI_THREADS threads, each with its own connection).
"""

from channels.auth import AuthMiddleware, get_user
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware, SessionMiddleware

_get_user = database_sync_to_async(get_user.func, thread_sensitive=False)


class ThreadedAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await _get_user(scope)


def AuthMiddlewareStack(inner):  # noqa: N802 - the name Channels uses
    return CookieMiddleware(SessionMiddleware(ThreadedAuthMiddleware(inner)))
