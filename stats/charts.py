"""Charts drawn once as a few primitives, rendered as inline SVG for pages and as reportlab drawings for PDFs.

No JavaScript and no network: the page embeds the SVG (with role="img", a title and a
description for screen readers), and the PDF report draws the same primitives with
reportlab.graphics in the platform's document font (``core.pdf``).
"""

from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from core.wording import COLON

BAR = "#d97706"
BAR_ALT = "#2563eb"
LINE = "#059669"
AXIS = "#6b7280"
TEXT = "#111827"
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 60, 36, 56


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    title: str = ""


@dataclass(frozen=True)
class Line:
    points: list[tuple[float, float]]
    stroke: str
    width: float = 1.0


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    fill: str
    title: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"  # start, middle, end
    size: float = 11
    fill: str = TEXT


@dataclass
class Chart:
    """A chart in SVG coordinates (y grows downwards), with what a screen reader says about it."""

    key: str
    title: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    shapes: list = field(default_factory=list)


def _nice_max(value: Decimal | float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5, 5 × 10^n)."""
    value = float(value)
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def _fmt(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:,.0f}"


def bar_line_chart(*, key: str, title: str, labels: list[str], bars: list[Decimal | None], bar_unit: str,
                   bar_name: str, line: list[Decimal | None], line_name: str,
                   ticks: list[tuple[str, str]] | None = None) -> Chart:
    """Bars on the left axis (e.g. award amount in 万元) and a line on the right axis in percent. ``ticks``: a short
    axis label per bar and a second line under it or "" (一月 / 2025年), where the full labels would collide."""
    chart = Chart(key=key, title=title, description="")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bar_values = [float(v or 0) for v in bars]
    line_values = [None if v is None else float(v) * 100 for v in line]
    bar_max = _nice_max(max(bar_values, default=0))
    line_max = _nice_max(max((v for v in line_values if v is not None), default=0))
    _axes(chart, bar_max, bar_unit, right=(line_max, "%"))
    slot = plot_w / max(len(labels), 1)
    points = []
    every = max(1, len(labels) // 12)
    for i, (label, value, rate) in enumerate(zip(labels, bar_values, line_values, strict=True)):
        x = LEFT + i * slot
        h = plot_h * value / bar_max
        chart.shapes.append(Rect(x + slot * 0.15, TOP + plot_h - h, slot * 0.7, h, BAR,
                                 f"{label}{COLON}{bar_name} {_fmt(value, bar_unit)} {bar_unit}"))
        if i % every == 0:
            tick, under = ticks[i] if ticks else (label, "")
            chart.shapes.append(Text(x + slot / 2, HEIGHT - BOTTOM + 16, tick, "middle", 10))
            if under:
                chart.shapes.append(Text(x + slot / 2, HEIGHT - BOTTOM + 29, under, "middle", 10, AXIS))
        if rate is not None:
            y = TOP + plot_h - plot_h * max(rate, 0) / line_max
            points.append((x + slot / 2, y))
            chart.shapes.append(Dot(x + slot / 2, y, 3, LINE, f"{label}{COLON}{line_name} {rate:.2f}%"))
    if len(points) > 1:
        chart.shapes.insert(0, Line(points, LINE, 2))
    _legend(chart, [(BAR, f"{bar_name}（{bar_unit}）"), (LINE, f"{line_name}（%）")])
    chart.description = "; ".join(
        f"{label}{COLON}{bar_name} {_fmt(v, bar_unit)} {bar_unit}"
        + (f", {line_name} {r:.2f}%" if r is not None else "")
        for label, v, r in zip(labels, bar_values, line_values, strict=True))
    return chart


def bar_chart(*, key: str, title: str, labels: list[str], values: list[Decimal | None], unit: str,
              name: str, color: str = BAR_ALT) -> Chart:
    """Vertical bars, one per group (e.g. savings by category). Rates are given as fractions, shown in %."""
    chart = Chart(key=key, title=title, description="")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    scale = 100 if unit == "%" else 1
    shown = [None if v is None else float(v) * scale for v in values]
    top = _nice_max(max((v for v in shown if v is not None), default=0))
    _axes(chart, top, unit)
    slot = plot_w / max(len(labels), 1)
    for i, (label, value) in enumerate(zip(labels, shown, strict=True)):
        x = LEFT + i * slot
        chart.shapes.append(Text(x + slot / 2, HEIGHT - BOTTOM + 16, label, "middle", 10))
        if value is None:
            chart.shapes.append(Text(x + slot / 2, TOP + plot_h - 4, "—", "middle", 10, AXIS))
            continue
        h = plot_h * max(value, 0) / top
        chart.shapes.append(Rect(x + slot * 0.25, TOP + plot_h - h, slot * 0.5, h, color,
                                 f"{label}{COLON}{name} {_fmt(value, unit)} {unit}"))
        chart.shapes.append(Text(x + slot / 2, TOP + plot_h - h - 4, _fmt(value, unit), "middle", 10))
    _legend(chart, [(color, f"{name}（{unit}）")])
    chart.description = "; ".join(f"{label}{COLON}{name} " + ("—" if v is None else f"{_fmt(v, unit)} {unit}")
                                  for label, v in zip(labels, shown, strict=True))
    return chart


def _axes(chart: Chart, left_max: float, left_unit: str, right: tuple[float, str] | None = None) -> None:
    plot_h = HEIGHT - TOP - BOTTOM
    chart.shapes.append(Line([(LEFT, TOP), (LEFT, TOP + plot_h), (WIDTH - RIGHT, TOP + plot_h)], AXIS))
    for step in range(5):
        fraction = step / 4
        y = TOP + plot_h - plot_h * fraction
        if step:
            chart.shapes.append(Line([(LEFT, y), (WIDTH - RIGHT, y)], "#e5e7eb", 0.5))
        chart.shapes.append(Text(LEFT - 6, y + 4, _fmt(left_max * fraction, left_unit), "end", 10, AXIS))
        if right:
            chart.shapes.append(Text(WIDTH - RIGHT + 6, y + 4, _fmt(right[0] * fraction, right[1]), "start", 10,
                                     AXIS))


def _legend(chart: Chart, entries: list[tuple[str, str]]) -> None:
    x = LEFT
    for color, label in entries:
        chart.shapes.append(Rect(x, 12, 12, 12, color))
        chart.shapes.append(Text(x + 16, 22, label, "start", 11))
        x += 28 + 12 * len(label)


# ------------------------------------------------------------------------------------------------ SVG


def to_svg(chart: Chart) -> SafeString:
    """The chart as accessible inline SVG: role="img", labelled by its title and description."""
    title_id, desc_id = f"{chart.key}-title", f"{chart.key}-desc"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {chart.width} {chart.height}" '
             f'role="img" aria-labelledby="{title_id} {desc_id}" class="chart">',
             f'<title id="{title_id}">{escape(chart.title)}</title>',
             f'<desc id="{desc_id}">{escape(chart.description)}</desc>']
    for shape in chart.shapes:
        if isinstance(shape, Rect):
            tip = f"<title>{escape(shape.title)}</title>" if shape.title else ""
            parts.append(f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{shape.w:.1f}" height="{shape.h:.1f}" '
                         f'fill="{shape.fill}">{tip}</rect>')
        elif isinstance(shape, Line):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in shape.points)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{shape.stroke}" '
                         f'stroke-width="{shape.width}"/>')
        elif isinstance(shape, Dot):
            tip = f"<title>{escape(shape.title)}</title>" if shape.title else ""
            parts.append(f'<circle cx="{shape.x:.1f}" cy="{shape.y:.1f}" r="{shape.r}" fill="{shape.fill}">{tip}'
                         "</circle>")
        elif isinstance(shape, Text):
            parts.append(f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" text-anchor="{shape.anchor}" '
                         f'font-size="{shape.size}" fill="{shape.fill}">{escape(shape.text)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


# ------------------------------------------------------------------------------------------ reportlab


def to_drawing(chart: Chart, *, font: str, scale: float = 0.7):
    """The chart as a reportlab Drawing (y grows upwards there), texts in ``font``."""
    from reportlab.graphics.shapes import Circle, Drawing, Group, PolyLine, String
    from reportlab.graphics.shapes import Rect as RLRect
    from reportlab.lib.colors import HexColor

    drawing = Drawing(chart.width * scale, chart.height * scale)
    drawing.initialFontName = font  # not Helvetica, which would be named in the PDF and not embedded
    group = Group()
    height = chart.height
    for shape in chart.shapes:
        if isinstance(shape, Rect):
            group.add(RLRect(shape.x, height - shape.y - shape.h, shape.w, shape.h, fillColor=HexColor(shape.fill),
                             strokeColor=None))
        elif isinstance(shape, Line):
            flat = [c for x, y in shape.points for c in (x, height - y)]
            group.add(PolyLine(flat, strokeColor=HexColor(shape.stroke), strokeWidth=shape.width))
        elif isinstance(shape, Dot):
            group.add(Circle(shape.x, height - shape.y, shape.r, fillColor=HexColor(shape.fill), strokeColor=None))
        elif isinstance(shape, Text):
            group.add(String(shape.x, height - shape.y, shape.text, fontName=font, fontSize=shape.size,
                             fillColor=HexColor(shape.fill), textAnchor=shape.anchor))
    group.scale(scale, scale)
    drawing.add(group)
    return drawing
