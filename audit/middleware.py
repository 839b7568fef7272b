from .context import Actor, acting_as


class AuditContextMiddleware:
    """Make the requesting person and address the actor of every service call in the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = "api" if request.path.startswith("/api/") else "web"
        actor = Actor(
            label="anonymous", source=source,
            ip_address=request.META.get("REMOTE_ADDR", "") or "", request=request,
        )
        with acting_as(actor):
            return self.get_response(request)
