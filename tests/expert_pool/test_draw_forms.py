"""The draw form: groups as rows of a specialty picked by name and a number; regions picked from the pool's."""

from expert_pool.forms import SectionDrawForm
from tests.expert_pool.factories import expert


def _data(**rows):
    return {"evaluation_starts_at": "2026-12-10T09:00", "evaluation_ends_at": "2026-12-10T17:00", "mode": "remote",
            "regions": ["310000"], "tenderer_representatives": "0", "reserve_size": "2", **rows}


def test_groups_come_from_rows_and_blank_rows_are_left_out(db):
    expert(region="310000")
    form = SectionDrawForm(_data(**{"composition-specialty-0": "A0801", "composition-count-0": "4",
                                    "composition-specialty-1": "A0805", "composition-count-1": "1",
                                    "composition-specialty-2": "", "composition-count-2": ""}))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["composition"] == [{"specialty": "A0801", "count": 4}, {"specialty": "A0805", "count": 1}]
    assert form.cleaned_data["regions"] == ["310000"]


def test_a_group_without_a_specialty_or_number_says_what_to_do(db):
    expert(region="310000")
    no_specialty = SectionDrawForm(_data(**{"composition-specialty-0": "", "composition-count-0": "4"}))
    assert not no_specialty.is_valid() and "Pick the specialty" in str(no_specialty.errors["composition"])
    no_number = SectionDrawForm(_data(**{"composition-specialty-0": "A0801", "composition-count-0": "四"}))
    assert not no_number.is_valid() and "whole number" in str(no_number.errors["composition"])


def test_the_editor_shows_specialties_and_regions_by_name(db):
    expert(region="310000")
    html = SectionDrawForm().as_p()
    assert "房屋建筑" in html and "A0801:4" not in html
    assert "上海市（1 位专家）" in html or "上海市 (1 experts)" in html
