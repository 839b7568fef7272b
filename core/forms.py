"""Showing a service's refusal on the form that asked for it, and a select widget that renders quickly."""

from django import forms
from django.core.exceptions import ValidationError


class FlatSelect(forms.Select):
    """A select over flat choices (no groups), rendered in one template loop (templates/core/select.html).

    Django's Select builds a dict per option and renders a template per option: a province list or a status filter
    cost 5–30 ms a page on a busy machine (the search and statistics forms are on hot pages)."""

    template_name = "core/select.html"

    def get_context(self, name, value, attrs):
        context = forms.Widget.get_context(self, name, value, attrs)
        selected = context["widget"]["value"]
        context["widget"]["options"] = [(str(key), label) for key, label in self.choices]
        context["widget"]["selected"] = selected[0] if selected else ""
        return context


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
