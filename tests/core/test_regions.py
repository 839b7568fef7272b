"""行政区划: codes become names, the picker stores one consistent code, the children lookup feeds the picker."""

import pytest

from core.region_field import RegionField, RegionWidget
from core.regions import region_children, region_get, region_name


def test_codes_become_names_with_the_levels_above():
    assert region_name("310000") == "上海市"
    assert region_name("310104") == "上海市徐汇区"
    assert region_name("320506") == "江苏省苏州市吴中区"
    assert region_name("320506", full=False) == "吴中区"
    assert region_get("320500").level == 2 and region_get("320506").parent == "320500"


def test_an_unknown_code_is_shown_as_it_is():
    assert region_name("999999") == "999999"
    assert region_name("") == "" and region_get(None) is None


def test_a_municipality_has_its_districts_directly_below():
    assert {r.level for r in region_children("310000")} == {3}
    assert "徐汇区" in [r.name for r in region_children("310000")]
    assert len(region_children("")) == 34


def test_the_picker_keeps_the_deepest_level_inside_the_ones_above():
    widget = RegionWidget()
    pick = lambda *codes: widget.value_from_datadict(  # noqa: E731
        {f"region_{i}": c for i, c in enumerate(codes)}, {}, "region")
    assert pick("320000", "320500", "320506") == "320506"
    assert pick("310000", "", "310104") == "310104"
    # The province changed and the prefecture below was left from before: the province alone is kept.
    assert pick("310000", "320500", "320506") == "310000"
    assert pick("", "", "") == ""


def test_the_field_refuses_an_unknown_code():
    field = RegionField(label="region")
    assert field.clean("310104") == "310104"
    with pytest.raises(Exception, match="请从列表中选择地区|Pick a region"):
        field.clean("999999")


def test_the_picker_renders_names_below_the_chosen_region():
    html = RegionField(label="region").widget.render("region", "320506")
    assert "苏州市" in html and "吴中区" in html and 'value="320506" selected' in html


def test_children_lookup(client):
    response = client.get("/regions/children.json", {"parent": "310000"})
    assert response.status_code == 200
    assert {"code": "310104", "name": "徐汇区"} in response.json()["regions"]
    assert client.get("/regions/children.json", {"parent": "999999"}).status_code == 404


def test_a_required_region_asks_the_browser_for_its_province_only():
    from django import forms

    class Form(forms.Form):
        region = RegionField(label="region", initial="310000")

    # a municipality has no prefecture and a province is a region: an empty lower level must not block the form
    html = str(Form()["region"])
    assert 'name="region_0" data-level="province" maxlength="6" required' in html
    assert html.count("required") == 1
