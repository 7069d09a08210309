"""Test helpers: Individual Numbers in every notation (valid and with a wrong check digit)."""

from __future__ import annotations

from stdnum.jp import in_

FULL = str.maketrans("0123456789", "０１２３４５６７８９")
SEPARATORS = ["", " ", "-", "－", "\u3000", "‐", " - "]


def valid_number(body: str) -> str:
    """`body` (11 digits) plus its check digit."""
    return body + in_.calc_check_digit(body)


def wrong_number(body: str, shift: int = 1) -> str:
    good = int(in_.calc_check_digit(body))
    return body + str((good + shift) % 10)


def notate(digits: str, sep: str = "", full_width: bool = False) -> str:
    s = sep.join([digits[:4], digits[4:8], digits[8:]])
    return s.translate(FULL) if full_width else s


VALID = valid_number("12345678901")  # 123456789018
VALID2 = valid_number("98765432109")
