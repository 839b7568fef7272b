import pytest

from accounts import credit_code

# Codes printed on real, public business licences.
PUBLISHED = ["91110000802100433B", "91440300708461136T", "914403001922038216", "91330100716105852F",
             "91110108551385082Q"]


@pytest.mark.parametrize("code", PUBLISHED)
def test_check_character_matches_published_codes(code):
    assert credit_code.check_character(code[:17]) == code[17]
    assert credit_code.validate(code) == code


def test_validate_normalises_case_and_spaces():
    assert credit_code.validate(" 91110000802100433b ") == "91110000802100433B"


@pytest.mark.parametrize("bad, what", [
    ("9111000080210043", "length"),
    ("91110000802100433I", "characters"),
    ("91110000802100433C", "check"),
])
def test_invalid_codes_say_what_is_wrong(bad, what):
    with pytest.raises(credit_code.CreditCodeError, match=what):
        credit_code.validate(bad)


def test_made_codes_validate():
    for serial in range(50):
        code = credit_code.make(region="310000", serial=serial)
        assert credit_code.validate(code) == code
