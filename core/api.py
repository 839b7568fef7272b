"""Shared furniture of the REST API."""

import functools

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response


def service_errors(view):
    """Turn a service's ValidationError into a 400 whose body names each field and says what to do."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DjangoValidationError as exc:
            body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            return Response({"errors": body}, status=status.HTTP_400_BAD_REQUEST)

    return wrapped
