"""The unified deal code (统一交易标识码) of 《公共资源交易平台系统数据规范》: region (6 digits), transaction category
(2), year (4), serial (7), check digit (1). Its category digits are national, so any app may read a deal code's
category without asking the app that made the project (credit names projects by deal code only)."""

CATEGORY_DIGITS = {"construction": "01", "government": "02", "land": "03", "property": "04", "other": "99"}
_CATEGORIES = {digits: category for category, digits in CATEGORY_DIGITS.items()}


def deal_category(code: str | None) -> str:
    """The category (``construction``, ``government`` …) a deal code names, or "" for none or a malformed one."""
    code = (code or "").strip()
    return _CATEGORIES.get(code[6:8], "") if len(code) >= 8 and code[:8].isdigit() else ""
