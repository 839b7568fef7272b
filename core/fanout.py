"""A group's frames fanned out by each process once: one subscription per group, each frame framed once.

Channels hands a group message to every member consumer on its own: a queue put, the consumer's task woken, the
message decoded, dispatched, a websocket frame built, for each client. In the auction hall that was ~160 µs of the
server's one Python thread per client and frame (bench/RESULTS.md "Auction hall"): 1,000 clients at 20 bids a
second would need three CPU-seconds a second. Here a process joins a group once, with one channel of its own however
many of its clients are in it, and writes each message's text to every local member: under Daphne the frame is built
once (autobahn's prepared message, the same bytes for every client) and written to each socket; elsewhere (another
server, a test communicator) through the consumer's ``send``. Redis still carries each message to every process, so
several Daphne processes share a group as before.

A member holds its frames from ``join`` until ``release``: a client joins before it reads what it missed and is sent
that first, then what arrived meanwhile (the client drops a duplicate by its seq).
"""

import asyncio
import contextlib
import functools
import logging

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)
SOCKET = "sunshine.socket"


class SocketCapture:
    """ASGI middleware for websockets: the server's socket of the connection, when the server is Daphne, goes into the
    scope (``scope["sunshine.socket"]``) so that ``Fanout`` writes prepared frames to it. Nothing else changes."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            # Daphne's send is functools.partial(server.handle_reply, protocol); the protocol is autobahn's.
            socket = send.args[0] if isinstance(send, functools.partial) and send.args else None
            if socket is not None and hasattr(socket, "sendPreparedMessage"):
                scope = {**scope, SOCKET: socket}
        return await self.app(scope, receive, send)


def _frame_send(socket, prepared) -> None:
    """Send a prepared frame on Daphne's (autobahn's) websocket: its bytes straight to the TCP socket when nothing is
    queued before them, else as autobahn and Twisted send it.

    Twisted buffers every write until the reactor's next turn, registering the socket for writing and removing it
    again (two epoll changes and the selector's bookkeeping) for every client and frame: most of the fan-out's cost.
    A socket whose buffers are empty takes the bytes at once; what it does not take goes through Twisted as before.
    Any connection Twisted would treat otherwise (TLS, compression negotiated, closing, data still queued) takes the
    usual path."""
    transport = socket.transport
    try:
        direct = (socket._perMessageCompress is None and not socket.send_queue and not transport.TLS
                  and transport.connected and not transport.disconnecting and not transport._writeDisconnected
                  and not transport._tempDataLen and len(transport.dataBuffer) == transport.offset)
        raw = transport.socket
    except AttributeError:  # another server, or another Twisted: the usual path
        direct = False
    if not direct:
        socket.sendPreparedMessage(prepared)
        return
    data = prepared.payloadHybi
    try:
        sent = raw.send(data)
    except (BlockingIOError, InterruptedError):
        sent = 0
    except OSError:
        transport.write(data)  # Twisted meets the error on its own write and closes the connection
        return
    if sent < len(data):
        transport.write(data[sent:])


class Member:
    """A consumer's side of a ``Fanout`` group: frames are held from ``Fanout.join`` until ``Fanout.release``."""

    def __init__(self, consumer):
        self.consumer = consumer
        self.socket = consumer.scope.get(SOCKET)
        self.held: list[str] | None = []


class _Group:
    def __init__(self):
        self.members: dict[object, Member] = {}
        self.ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self.task: asyncio.Task | None = None
        self.channel = ""


class Fanout:
    """This process's members of channel-layer groups. Messages sent to a group must carry ``text`` (the frame,
    encoded once by the sender, e.g. ``core.frames.Encoded``); each reaches the process once and is written to every
    local member in the order of arrival."""

    def __init__(self):
        self.groups: dict[str, _Group] = {}

    async def join(self, group: str, consumer) -> None:
        """Add ``consumer`` to ``group`` (frames held until ``release``); returns once the process is subscribed, so
        nothing published afterwards is missed."""
        entry = self.groups.get(group)
        if entry is None:
            entry = self.groups[group] = _Group()
            entry.task = asyncio.ensure_future(self._receive(group, entry))
        entry.members[consumer] = Member(consumer)
        await asyncio.shield(entry.ready)

    async def release(self, group: str, consumer) -> None:
        """Send ``consumer`` the frames held since it joined; from now on they are written as they come."""
        entry = self.groups.get(group)
        member = entry.members.get(consumer) if entry else None
        while member is not None and member.held:
            held, member.held = member.held, []
            for text in held:
                await consumer.send(text_data=text)
        if member is not None:
            member.held = None

    def leave(self, group: str, consumer) -> None:
        entry = self.groups.get(group)
        if entry is None:
            return
        entry.members.pop(consumer, None)
        if not entry.members:
            del self.groups[group]
            entry.task.cancel()

    def members(self, group: str) -> list:
        entry = self.groups.get(group)
        return list(entry.members) if entry else []

    async def write(self, group: str, text: str) -> None:
        """Write ``text`` as one frame to every local member of ``group`` (held members keep it for later)."""
        entry = self.groups.get(group)
        if entry is None:
            return
        prepared = None
        others = []
        for member in list(entry.members.values()):
            if member.held is not None:
                member.held.append(text)
            elif member.socket is None:
                others.append(member)
            elif member.socket.state == member.socket.STATE_OPEN:
                if prepared is None:
                    prepared = member.socket.factory.prepareMessage(text.encode())
                _frame_send(member.socket, prepared)
        for member in others:
            try:
                await member.consumer.send(text_data=text)
            except Exception:
                logger.debug("a frame to a closing client dropped", exc_info=True)

    async def _receive(self, group: str, entry: _Group) -> None:
        layer = get_channel_layer()
        try:
            entry.channel = await layer.new_channel()
            await layer.group_add(group, entry.channel)
        except Exception as error:
            if not entry.ready.done():
                entry.ready.set_exception(error)
            if self.groups.get(group) is entry:
                del self.groups[group]
            raise
        entry.ready.set_result(None)
        try:
            while True:
                try:
                    message = await layer.receive(entry.channel)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # A frame lost here is recovered by the clients, which ask for what they missed on a seq gap.
                    logger.exception("receiving group %s failed", group)
                    await asyncio.sleep(1)
                    continue
                await self.write(group, message["text"])
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(layer.group_discard(group, entry.channel))
