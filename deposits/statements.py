"""Reading an operator's bank statement of arrivals: CSV (UTF-8 or GBK), XLSX or JSON.

Columns (English name or the Chinese header the bank's export uses): ``sub_account`` 虚拟子账号, ``amount`` 金额,
``bank_reference`` 银行流水号, ``arrived_at`` 到账时间, ``payer_name`` 付款户名, ``payer_account`` 付款账号. JSON is
a list of objects with the English names (or ``{"rows": [...]}``). Each row keeps its number as the operator sees it
(the header is row 1 of a spreadsheet; the first JSON object is row 1) so errors point at it.
"""

import csv
import datetime as dt
import io
import json

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ROW = "row"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
HEADERS = {
    "sub_account": ("虚拟子账号", "子账号", "收款账号"),
    "amount": ("金额", "到账金额", "交易金额"),
    "bank_reference": ("银行流水号", "流水号", "交易流水号"),
    "arrived_at": ("到账时间", "记账时间", "交易时间"),
    "payer_name": ("付款户名", "付款人", "付款人户名"),
    "payer_account": ("付款账号", "付款人账号"),
}
REQUIRED = ("sub_account", "amount", "bank_reference", "arrived_at")
BY_HEADER = {header: name for name, headers in HEADERS.items() for header in (name, *headers)}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).strip()


def _table(file_name: str, content: bytes) -> tuple[list[str], list[list], int]:
    """Headers, lines and the number of the first line, for a CSV or XLSX file."""
    kind = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if kind == "csv":
        for encoding in ("utf-8-sig", "gb18030"):  # spreadsheet programs in China save CSV as GBK by default
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": _("The CSV file is neither UTF-8 nor GBK text; save it again as "
                                             "“CSV UTF-8”.")})
        table = list(csv.reader(io.StringIO(text)))
        return (table[0], table[1:], 2) if table else ([], [], 2)
    if kind == "xlsx":
        data = tablib.Dataset().load(content, format="xlsx")
        return list(data.headers or []), list(data), 2
    raise ValidationError({"file": _("Upload a .csv, .xlsx or .json file of arrivals.")})


def rows_read(*, file_name: str, content: bytes) -> list[dict]:
    """The arrivals of a statement file as dicts of the English field names plus ``row``; or ValidationError."""
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 5 MB; split it into several files.")})
    try:
        if file_name.lower().endswith(".json"):
            return rows_from_json(json.loads(content.decode("utf-8-sig")))
        headers, lines, first = _table(file_name, content)
    except ValidationError:
        raise
    except Exception as exc:  # a corrupt file: tell the operator, never a 500
        raise ValidationError({"file": _("The file could not be read: %(problem)s. Export it again from the "
                                         "bank.") % {"problem": exc}}) from None
    names = [BY_HEADER.get(_text(h)) for h in headers]
    missing = [HEADERS[name][0] for name in REQUIRED if name not in names]
    if missing:
        raise ValidationError({"file": _("The header row lacks the columns: %(columns)s.")
                               % {"columns": "、".join(missing)}})
    rows = []
    for number, line in enumerate(lines, start=first):
        cells = {name: _text(value) for name, value in zip(names, line, strict=False) if name}
        if any(cells.values()):
            rows.append({ROW: number, **cells})
    return _bounded(rows)


def rows_from_json(data) -> list[dict]:
    """Rows from parsed JSON: a list of objects, or ``{"rows": [...]}``."""
    if isinstance(data, dict):
        data = data.get("rows")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValidationError({"rows": _("Send a list of arrivals, each an object with sub_account, amount, "
                                         "bank_reference and arrived_at.")})
    return _bounded([{ROW: number, **{name: _text(item.get(name)) for name in HEADERS}}
                     for number, item in enumerate(data, start=1)])


def _bounded(rows: list[dict]) -> list[dict]:
    if not rows:
        raise ValidationError({"file": _("The file has no rows of arrivals.")})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": _("The file has more than %(n)d rows; split it into several files.")
                               % {"n": MAX_ROWS}})
    return rows
