"""Reading a file of past deals (历史成交数据): CSV or XLSX through tablib, one row per deal, checked row by row.

Each check names the row as the spreadsheet shows it (the header is row 1) and the column by the header the
uploader wrote, and says what to put there instead. Nothing here writes: ``stats.services.history`` does.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import tablib
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import credit_code
from trading.models import BaseType, Category, ProcurementMethod
from trading.services.projects import deal_code_is_valid

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
ROW = "#row"  # where rows_read keeps each row's number in the file

# field → the headers accepted for it (Chinese as in the sample file, or the field name itself).
HEADERS: dict[str, tuple[str, ...]] = {
    "deal_code": ("统一交易标识码", "交易标识码"),
    "title": ("项目名称",),
    "category": ("交易类别",),
    "region": ("行政区划代码",),
    "method": ("交易方式",),
    "announced_on": ("公告日期",),
    "awarded_on": ("成交日期", "中标日期"),
    "contract_on": ("合同签订日期",),
    "base_type": ("基准类型",),
    "base_amount": ("基准金额（元）", "基准金额"),
    "amount": ("成交金额（元）", "成交金额", "中标金额（元）"),
    "tenderer": ("招标人/采购人/出让人", "招标人"),
    "tenderer_code": ("招标人统一社会信用代码",),
    "winner": ("中标人/竞得人", "中标人", "竞得人"),
    "winner_code": ("中标人统一社会信用代码",),
}
REQUIRED = ("deal_code", "title", "category", "region", "awarded_on", "base_type", "base_amount", "amount",
            "tenderer", "tenderer_code", "winner", "winner_code")

# Cell text → value, in Chinese as people write it, or the platform's own value.
CATEGORY_NAMES = {"工程建设": Category.CONSTRUCTION, "工程建设招投标": Category.CONSTRUCTION,
                  "政府采购": Category.GOVERNMENT, "土地矿业权": Category.LAND,
                  "国有土地使用权和矿业权出让": Category.LAND, "土地使用权出让": Category.LAND,
                  "矿业权出让": Category.LAND, "国有产权": Category.PROPERTY, "国有产权交易": Category.PROPERTY,
                  "其他": Category.OTHER}
BASE_TYPE_NAMES = {"预算": BaseType.BUDGET, "采购预算": BaseType.BUDGET, "招标控制价": BaseType.PRICE_CAP,
                   "最高投标限价": BaseType.PRICE_CAP, "起始价": BaseType.STARTING_PRICE,
                   "底价": BaseType.STARTING_PRICE, "起始价/底价": BaseType.STARTING_PRICE,
                   "挂牌价": BaseType.STARTING_PRICE, "评估价": BaseType.VALUATION}
METHOD_NAMES = {"公开招标": ProcurementMethod.OPEN, "邀请招标": ProcurementMethod.INVITED,
                "竞争性谈判": ProcurementMethod.NEGOTIATION, "拍卖": ProcurementMethod.AUCTION,
                "挂牌": ProcurementMethod.LISTING}
DEFAULT_METHOD = {Category.LAND: ProcurementMethod.LISTING, Category.PROPERTY: ProcurementMethod.LISTING}


@dataclass(frozen=True)
class PastDeal:
    """One checked row: what the import writes."""

    row: int
    deal_code: str
    title: str
    category: str
    region: str
    method: str
    announced_on: dt.date | None
    awarded_on: dt.date
    contract_on: dt.date | None
    base_type: str
    base_amount: Decimal
    amount: Decimal
    tenderer: str
    tenderer_code: str
    winner: str
    winner_code: str


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        return _("Row %(row)d, column “%(column)s”: %(message)s") % {
            "row": self.row, "column": self.column, "message": self.message}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    return str(value).strip()


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # spreadsheet programs in China save CSV as GBK by default
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError({"file": _("The CSV file is neither UTF-8 nor GBK text; save it again as “CSV UTF-8”.")})


def rows_read(*, file_name: str, content: bytes) -> list[dict]:
    """The rows of an uploaded CSV or XLSX file as {header: text, ROW: number}; or ValidationError({"file"})."""
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 5 MB; split it into several files.")})
    kind = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    try:
        if kind == "csv":
            table = list(csv.reader(io.StringIO(_decode(content))))
            headers, lines = (table[0], table[1:]) if table else ([], [])
        elif kind == "xlsx":
            data = tablib.Dataset().load(content, format="xlsx")
            headers, lines = data.headers or [], list(data)
        else:
            raise ValidationError({"file": _("Upload a .csv or .xlsx file (the sample file shows the columns).")})
    except ValidationError:
        raise
    except Exception as exc:  # a corrupt spreadsheet: tell the uploader, never a 500
        raise ValidationError({"file": _("The file could not be read as %(kind)s: %(problem)s. Save it again from "
                                         "the spreadsheet program.") % {"kind": kind.upper(), "problem": exc}})
    headers = [_cell(h) for h in headers]
    rows = []
    for number, line in enumerate(lines, start=2):  # the header is row 1, as the spreadsheet shows it
        cells = {h: _cell(v) for h, v in zip(headers, line, strict=False) if h}
        if any(cells.values()):
            rows.append({ROW: number, **cells})
    if not rows:
        raise ValidationError({"file": _("The file has no rows of deals under its header row.")})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": _("The file has more than %(n)d rows; split it into several files.")
                               % {"n": MAX_ROWS}})
    missing = [HEADERS[name][0] for name in REQUIRED if not any(h in headers for h in (*HEADERS[name], name))]
    if missing:
        raise ValidationError({"file": _("The header row lacks the columns: %(columns)s. Copy the header of the "
                                         "sample file.") % {"columns": "、".join(missing)}})
    return rows


def column_header(row: dict, name: str) -> str:
    """The header this file uses for a field (for messages), else its usual Chinese name."""
    return next((h for h in (*HEADERS[name], name) if h in row), HEADERS[name][0])


def _value(row: dict, name: str) -> str:
    return next((row[h] for h in (*HEADERS[name], name) if h in row), "").strip()


_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


def _date(text: str) -> dt.date | None:
    match = _DATE.fullmatch(text.strip())
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _money(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace("，", "").strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value <= 0 or value >= Decimal("1e14"):
        return None
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def row_check(row: dict) -> tuple[PastDeal | None, list[RowError]]:
    """Check one row on its own (no database): the deal, or every problem of the row."""
    errors: list[RowError] = []
    number = row[ROW]

    def problem(name: str, message: str) -> None:
        errors.append(RowError(row=number, column=column_header(row, name), message=message))

    values = {name: _value(row, name) for name in HEADERS}
    for name in REQUIRED:
        if not values[name]:
            problem(name, _("Empty; every deal needs it."))
    code = values["deal_code"]
    if code and not deal_code_is_valid(code):
        problem("deal_code", _("“%(value)s” is not a unified deal code (统一交易标识码): 20 digits, the last a check "
                               "digit. Copy it from the original record.") % {"value": code})
    category = CATEGORY_NAMES.get(values["category"]) or (values["category"] if values["category"] in Category.values
                                                           else None)
    if values["category"] and category is None:
        problem("category", _("“%(value)s” is not a category; write one of: %(choices)s.") % {
            "value": values["category"], "choices": "、".join(("工程建设", "政府采购", "土地矿业权", "国有产权",
                                                              "其他"))})
    if values["region"] and not re.fullmatch(r"\d{6}", values["region"]):
        problem("region", _("Write the 6-digit administrative division code, e.g. 310104."))
    method = METHOD_NAMES.get(values["method"]) or (values["method"] if values["method"] in ProcurementMethod.values
                                                     else None)
    if values["method"] and method is None:
        problem("method", _("“%(value)s” is not a procurement method; write one of: %(choices)s, or leave it empty.")
                % {"value": values["method"], "choices": "、".join(METHOD_NAMES)})
    base_type = BASE_TYPE_NAMES.get(values["base_type"]) or (
        values["base_type"] if values["base_type"] in BaseType.values else None)
    if values["base_type"] and base_type is None:
        problem("base_type", _("“%(value)s” is not a base type; write one of: 预算、招标控制价、起始价、评估价.")
                % {"value": values["base_type"]})
    amounts = {}
    for name in ("base_amount", "amount"):
        amounts[name] = _money(values[name]) if values[name] else None
        if values[name] and amounts[name] is None:
            problem(name, _("“%(value)s” is not an amount in yuan above 0; write it like 1234567.89.")
                    % {"value": values[name]})
    today = timezone.localdate()
    dates = {}
    for name in ("announced_on", "awarded_on", "contract_on"):
        dates[name] = _date(values[name]) if values[name] else None
        if values[name] and dates[name] is None:
            problem(name, _("“%(value)s” is not a date; write it as YYYY-MM-DD, e.g. 2025-03-31.")
                    % {"value": values[name]})
        elif dates[name] and dates[name] > today:
            problem(name, _("The date %(value)s is in the future; past deals only.") % {"value": dates[name]})
    if dates["awarded_on"] and dates["announced_on"] and dates["announced_on"] > dates["awarded_on"]:
        problem("announced_on", _("The announcement date is after the deal date; check both."))
    if dates["awarded_on"] and dates["contract_on"] and dates["contract_on"] < dates["awarded_on"]:
        problem("contract_on", _("The contract date is before the deal date; check both."))
    codes = {}
    for name in ("tenderer_code", "winner_code"):
        try:
            codes[name] = credit_code.validate(values[name]) if values[name] else ""
        except credit_code.CreditCodeError:
            problem(name, _("“%(value)s” is not a unified social credit code (18 characters with a check "
                            "character); copy it from the business licence.") % {"value": values[name]})
    for name, limit in (("title", 200), ("tenderer", 200), ("winner", 200)):
        if len(values[name]) > limit:
            problem(name, _("Longer than %(n)d characters; shorten it.") % {"n": limit})
    if errors:
        return None, errors
    return PastDeal(row=number, deal_code=code, title=values["title"], category=category, region=values["region"],
                    method=method or DEFAULT_METHOD.get(category, ProcurementMethod.OPEN),
                    announced_on=dates["announced_on"], awarded_on=dates["awarded_on"],
                    contract_on=dates["contract_on"], base_type=base_type, base_amount=amounts["base_amount"],
                    amount=amounts["amount"], tenderer=values["tenderer"], tenderer_code=codes["tenderer_code"],
                    winner=values["winner"], winner_code=codes["winner_code"]), []
