"""Virtual sub-account numbers (虚拟子账号): deterministic, unique, with a check digit.

Format (16 digits): ``PPPP`` the platform's settlement-account code at the bank (setting
``DEPOSITS_SUB_ACCOUNT_PREFIX``, 4 digits), ``K`` the kind (1 a sale's deposit 竞买保证金, 2 a tender's bid bond
投标保证金), ``NNNNNNNNNN`` the deposit account's id padded to 10 digits, ``C`` a Luhn check digit over the first
15 — the same check bank card numbers carry, so a mistyped number is refused rather than credited to someone else.
The number depends only on the prefix, the kind and the account's id: the same account always has the same number
and two accounts never share one.
"""

KIND_DIGIT = {"sale": "1", "bond": "2"}
SERIAL_DIGITS = 10


def luhn_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def make(*, prefix: str, kind: str, serial: int) -> str:
    """The sub-account number of the deposit account ``serial`` of ``kind`` under ``prefix``."""
    if not (prefix.isdigit() and len(prefix) == 4):
        raise ValueError("the sub-account prefix must be 4 digits")
    if not 0 < serial < 10**SERIAL_DIGITS:
        raise ValueError("serial out of range")
    body = f"{prefix}{KIND_DIGIT[kind]}{serial:0{SERIAL_DIGITS}d}"
    return body + luhn_digit(body)


def is_well_formed(number: str) -> bool:
    """Whether ``number`` has the format's length, digits and a matching check digit."""
    return (len(number) == 4 + 1 + SERIAL_DIGITS + 1 and number.isdigit()
            and number[4] in KIND_DIGIT.values() and luhn_digit(number[:-1]) == number[-1])
