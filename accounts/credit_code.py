"""The unified social credit code (统一社会信用代码, GB 32100-2015).

Eighteen characters from a 31-symbol alphabet (digits and capital letters less
I, O, Z, S, V); the last is a check character computed from the first seventeen.
"""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class CreditCodeError(ValueError):
    """``problem`` is one of "length", "characters", "check"."""

    def __init__(self, problem: str, detail: str = ""):
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem = problem


def check_character(body: str) -> str:
    """Return the check character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    return code.strip().upper()


def validate(code: str) -> str:
    """Return the normalised code, or raise CreditCodeError saying what is wrong."""
    code = normalise(code)
    if len(code) != 18:
        raise CreditCodeError("length", str(len(code)))
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        raise CreditCodeError("characters", "".join(bad))
    if check_character(code[:17]) != code[17]:
        raise CreditCodeError("check")
    return code


def organisation_code_check(body8: str) -> str:
    """Check character of the 9-character organisation code (GB 11714) embedded in positions 9-17."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make(*, region: str, serial: int, authority: str = "9", kind: str = "1") -> str:
    """Build a well-formed code (for demo data and tests): authority, kind, region, organisation code, check."""
    body8 = f"{serial:08d}"
    body = f"{authority}{kind}{region}{body8}{organisation_code_check(body8)}"
    return body + check_character(body)
