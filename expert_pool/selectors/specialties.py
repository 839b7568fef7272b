"""The specialty taxonomy by name (评标专家专业分类)."""

from ..models import Specialty


def specialty_names() -> dict[str, str]:
    """Code → name of every specialty (a few hundred rows; read per call, so names edited in the back office show)."""
    return dict(Specialty.objects.values_list("code", "name"))


def specialty_choices() -> list[tuple[str, str]]:
    """For pickers: the name first, the code after it in small print's place."""
    return [(code, f"{name} {code}") for code, name in Specialty.objects.order_by("code").values_list("code", "name")]
