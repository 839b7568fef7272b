"""Showing a service's refusal on the form that asked for it."""

from django.core.exceptions import ValidationError


def form_add_service_errors(form, exc: ValidationError, *, field_map: dict[str, str] | None = None) -> None:
    """Put each message of ``exc`` beside the form field it names, the rest above the form.

    Services raise ValidationError keyed by model or argument names; ``field_map`` renames
    those to the form's fields where they differ.
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        name = (field_map or {}).get(field, field)
        form.add_error(name if name in form.fields else None, errors)
