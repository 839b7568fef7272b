"""Shared furniture of the REST API: the error shape, the JSON parser, pagination and query-number limits.

Every error a caller can cause is a 4xx whose body says what to do: a 400 is ``{"errors": {field: [message]}}``
(``detail`` when no one field is to blame); other refusals keep DRF's ``{"detail": message}``.
"""

import datetime as dt
import functools
import json

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, parsers, serializers, status
from rest_framework.response import Response

NUL = "\x00"


def errors_body(exc: DjangoValidationError) -> dict:
    return {"errors": exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}}


def service_errors(view):
    """Turn a service's ValidationError into a 400 whose body names each field and says what to do."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DjangoValidationError as exc:
            return Response(errors_body(exc), status=status.HTTP_400_BAD_REQUEST)

    return wrapped


def throttled_message(wait: float | None) -> str:
    seconds = max(1, int(wait or 1))
    return _("Too many requests in a short time. Wait %(seconds)d seconds, then try again.") % {"seconds": seconds}


def exception_handler(exc, context):
    """DRF's handler, with every 400 (a serializer's or a parser's) in the house shape ``{"errors": …}``."""
    # Imported here: rest_framework.views reads the parser and pagination settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        return Response(errors_body(exc), status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, exceptions.Throttled) and response is not None:
        response.data = {"detail": throttled_message(exc.wait)}
    if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
        data = response.data
        if isinstance(data, dict) and set(data) == {"detail"}:
            data = {"detail": [data["detail"]]}
        elif not isinstance(data, dict):
            data = {"detail": data if isinstance(data, list) else [data]}
        response.data = {"errors": data}
    return response


def _refuse_nesting_and_nul(value, max_depth: int) -> None:
    """Walk parsed JSON without recursion: refuse NUL characters and nesting deeper than ``max_depth``."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                raise exceptions.ParseError(_("The request contains a NUL character (\\u0000), which no field "
                                              "accepts. Remove it and send again."))
            continue
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise exceptions.ParseError(_("The JSON is nested more than %(depth)d levels deep. Send a flatter "
                                              "document.") % {"depth": max_depth})
            children = list(item.items()) if isinstance(item, dict) else item
            for child in children:
                if isinstance(child, tuple):
                    stack.append((child[0], depth))
                    stack.append((child[1], depth + 1))
                else:
                    stack.append((child, depth + 1))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing NUL characters, deep nesting and numbers JSON cannot carry (NaN, Infinity)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError:
            raise exceptions.ParseError(_("The body is not valid %(encoding)s text.") % {"encoding": encoding})
        if not text.strip():
            return {}
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise exceptions.ParseError(_("The JSON is nested too deeply. Send a flatter document."))
        except ValueError as exc:
            raise exceptions.ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc})
        _refuse_nesting_and_nul(data, settings.API_JSON_MAX_DEPTH)
        return data


def _refuse_constant(name: str):
    raise ValueError(_("%(name)s is not a number JSON allows") % {"name": name})


DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def date_message() -> str:
    return _("Give a date as YYYY-MM-DD between %(min)s and %(max)s.") % {"min": DATE_MIN, "max": DATE_MAX}


def date_in_range(value: dt.date) -> dt.date:
    """``value`` if within the years the platform deals in (1900–2100), else a ValidationError saying so."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise DjangoValidationError(date_message())
    return value


def query_int(params, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """An integer query parameter within [minimum, maximum], or a 400 naming it and saying what to give."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = None
    if value is None or not minimum <= value <= maximum:
        raise DjangoValidationError({name: _("Give a whole number from %(min)d to %(max)d.")
                                     % {"min": minimum, "max": maximum}})
    return value


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """``?limit=&offset=`` with bounds: a limit of 1 to API_MAX_LIMIT, an offset a 64-bit database can take."""

    max_offset = 10**9

    @property
    def max_limit(self):
        return settings.API_MAX_LIMIT

    def get_limit(self, request):
        return query_int(request.query_params, self.limit_query_param, default=self.default_limit, minimum=1,
                         maximum=self.max_limit)

    def get_offset(self, request):
        return query_int(request.query_params, self.offset_query_param, default=0, minimum=0,
                         maximum=self.max_offset)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_limit})
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update({"minimum": 0, "maximum": self.max_offset})
        return parameters


class WitnessCommitSerializer(serializers.Serializer):
    """A format-2 draw's witness commitment (core.witness), for every app's witness API."""

    commitment = serializers.CharField(max_length=200, allow_blank=True,
                                       help_text="hex SHA-256 of the witness's own 32-byte secret")


class WitnessRevealSerializer(serializers.Serializer):
    secret = serializers.CharField(max_length=200, allow_blank=True, help_text="the 32-byte secret, hex")


def validated(serializer_class, request) -> dict:
    """The request's data through ``serializer_class``; a malformed body is DRF's 400."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
