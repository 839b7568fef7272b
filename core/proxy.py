"""Who the client is behind a reverse proxy: believe forwarded headers only from the proxies we run.

A reverse proxy (nginx, a load balancer) connects to Daphne and tells, in ``X-Forwarded-For`` and
``X-Forwarded-Proto``, the address of the client and whether the client came over HTTPS. Anyone else can send
the same headers. So this ASGI middleware looks at the socket's peer first: only when the peer is one of
``settings.TRUSTED_PROXIES`` (addresses or networks) are the headers believed — the client's address becomes the
scope's ``client`` (hence Django's ``REMOTE_ADDR``, the audit chain's address, the log-in lock-out's address) and
the forwarded scheme becomes the scope's ``scheme`` (hence ``request.is_secure()``). From any other peer the
headers are removed before Django sees them.

Why not django-ipware alone: ipware picks an address out of the header chain, but it trusts what the header
says about the proxies; whether the *connection* came from our proxy is what decides, and only the socket knows.
Walking the chain from the right, skipping our own proxies, is the usual rule (nginx ``real_ip_recursive``).
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

FORWARDED_HEADERS = {b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-port",
                     b"x-real-ip", b"forwarded"}


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address.version == n.version and address in n for n in networks)


def forwarded_client(peer: str, forwarded_for: str, networks) -> str:
    """The client's address: walk the chain (client, proxy1, …, peer) from the right past our own proxies."""
    hops = [hop for hop in (h.strip() for h in forwarded_for.split(",")) if hop]
    client = peer
    for hop in reversed(hops):
        if not _trusted(_address(client), networks):
            break
        address = _address(hop)
        if address is None:
            break
        client = str(address)
    return client


class TrustedProxyMiddleware:
    """ASGI middleware (HTTP and websockets): see the module's docstring."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            scope = self.rewrite(scope)
        return await self.app(scope, receive, send)

    @staticmethod
    def rewrite(scope: dict) -> dict:
        networks = _networks(tuple(settings.TRUSTED_PROXIES))
        peer = (scope.get("client") or ("", 0))[0] or ""
        headers = scope.get("headers") or []
        if not _trusted(_address(peer), networks):
            if any(name in FORWARDED_HEADERS for name, _ in headers):
                scope = {**scope, "headers": [(n, v) for n, v in headers if n not in FORWARDED_HEADERS]}
            return scope
        values: dict[bytes, list[str]] = {}
        for name, value in headers:
            if name in (b"x-forwarded-for", b"x-forwarded-proto"):
                values.setdefault(name, []).append(value.decode("latin-1"))
        scope = dict(scope)
        forwarded_for = ",".join(values.get(b"x-forwarded-for", []))
        if forwarded_for:
            scope["client"] = (forwarded_client(peer, forwarded_for, networks), 0)
        proto = (values.get(b"x-forwarded-proto") or [""])[-1].split(",")[-1].strip().lower()
        if proto in ("http", "https"):
            secure = proto == "https"
            scope["scheme"] = ("https" if secure else "http") if scope["type"] == "http" else ("wss" if secure
                                                                                               else "ws")
        return scope


def client_ip(request) -> str:
    """The client's address as the platform believes it (axes' AXES_CLIENT_IP_CALLABLE)."""
    return request.META.get("REMOTE_ADDR") or ""
