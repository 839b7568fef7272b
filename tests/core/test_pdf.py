"""core.pdf: the platform's documents embed their font, never split a figure or a bracket, print money and time
as people read them, and still work without the font package."""

import datetime as dt
from decimal import Decimal

import pytest

from core import pdf
from tests.pdfcheck import assert_whole, money_figures, pdf_read


def test_a_figure_a_short_bracket_and_closing_punctuation_are_never_split():
    assert pdf.tokens("投标报价（元）") == ["投", "标", "报", "价", "（元）"]
    assert pdf.tokens("合计 1,330,602,881.77 元。") == ["合", "计", " ", "1,330,602,881.77", " ", "元。"]
    assert pdf.tokens("（统一交易标识码 ZJ-2026-001）") == [
        "（统", "一", "交", "易", "标", "识", "码", " ", "ZJ-2026-001）"]
    assert pdf.tokens("专家 · 组长") == ["专", "家", " ", "·", " ", "组", "长"]
    font = pdf.font_name()
    width = pdf._width("中标金额合计1,330,602,881.7", font, 9)  # one character short of the whole line
    assert pdf.lines("中标金额合计1,330,602,881.77元", width=width, font=font, size=9) == [
        "中标金额合计", "1,330,602,881.77元"]
    assert pdf.lines("投标报价（元）", width=pdf._width("投标报价（元", font, 9), font=font, size=9) == [
        "投标报价", "（元）"]


def test_money_rates_and_beijing_time():
    assert pdf.money(Decimal("1330602881.765")) == "1,330,602,881.77"
    assert pdf.money("998000") == "998,000.00" and pdf.money(None) == "—"
    assert pdf.wan(Decimal("1330602881.77")) == "133,060.29"
    assert pdf.percent(Decimal("0.1234")) == "12.34%"
    assert pdf.beijing(dt.datetime(2026, 3, 1, 1, 30, 5, tzinfo=dt.UTC), seconds=True) == "2026-03-01 09:30:05"


def test_a_crowded_table_keeps_every_figure_whole_with_the_font_embedded():
    # Given more money columns than a portrait page has room for at the normal size
    figures = [pdf.money(Decimal("1330602881.77") * n) for n in range(1, 8)]
    columns = [pdf.Column("投标人（联合体）"),
               *[pdf.Column(f"第{n}期付款（元）", kind=pdf.FIGURE) for n in range(1, 8)]]
    rows = [["上海阳光建设（集团）股份有限公司 · 联合体牵头人", *figures]] * 3
    data = pdf.document_build([pdf.title("付款计划 · 测试"), pdf.table(columns, rows, total=True)], title="付款计划")

    read = pdf_read(data, name="core-crowded-table")

    assert pdf.font_embedded()
    assert_whole(read, [*figures, "（元）"])
    assert set(money_figures(read)) == set(figures)
    assert not pdf.glyphs_missing("".join(["付款计划 · 测试", *[c.header for c in columns], *rows[0]]))


def test_without_the_font_package_documents_fall_back_to_stsong(monkeypatch, settings):
    monkeypatch.setattr(pdf, "FONT_FILES", ())
    settings.PDF_FONT = ""
    pdf.font_name.cache_clear()
    try:
        assert pdf.font_name() == pdf.FALLBACK_FONT and not pdf.font_embedded()
        data = pdf.document_build([pdf.title("开标记录 · 备用字体"), pdf.table(
            [pdf.Column("投标人"), pdf.Column("投标报价（元）", kind=pdf.FIGURE)], [["甲公司", pdf.money(1234567)]])],
            title="开标记录")
        assert data.startswith(b"%PDF") and b"STSong-Light" in data
        from core.apps import pdf_font_check
        assert [m.id for m in pdf_font_check(None)] == ["core.W001"]
    finally:
        pdf.font_name.cache_clear()  # the next document finds the font again


@pytest.mark.parametrize("value", ["·", "（", "）", "—", "…", "《", "》", "、", "“", "”", "№", "¥", "‰", "①"])
def test_the_font_has_the_punctuation_documents_use(value):
    assert not pdf.glyphs_missing(value)
