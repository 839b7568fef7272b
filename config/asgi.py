"""ASGI entry point: HTTP through Django, websockets through Channels.

Served by Daphne. In the embedded default the same process also runs the
periodic sweeps (core.scheduler), so deadlines fire with no worker and no Redis.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from core.demo_guard import refuse_demo_in_production  # noqa: E402
from core.fanout import SocketCapture  # noqa: E402
from core.http_limits import answer_refused_requests  # noqa: E402
from core.proxy import TrustedProxyMiddleware  # noqa: E402
from core.scheduler import start_embedded_scheduler  # noqa: E402
from core.ws_auth import AuthMiddlewareStack  # noqa: E402
from trading.streaming import UploadChunks  # noqa: E402

# Static files are served by WhiteNoise inside Django (settings.MIDDLEWARE). The client's address and scheme are
# believed from forwarded headers only when the connection comes from a trusted proxy (core.proxy). The resumable
# upload's chunks sent with an API token go from Daphne straight to their file (trading.streaming). A websocket's
# server socket is kept in its scope for the frames a process fans out to many clients at once (core.fanout).
application = TrustedProxyMiddleware(ProtocolTypeRouter(
    {
        "http": UploadChunks(django_asgi_app),
        "websocket": SocketCapture(AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        )),
    }
))

refuse_demo_in_production()  # production with demo organisations or demo keys does not start
answer_refused_requests()
start_embedded_scheduler()
