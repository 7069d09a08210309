"""Text normalization shared by the detectors (width folding, 漢数字, comparison keys).

`fold` maps one character to one character, so offsets found in folded text are offsets into
the original text as well.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_FULL_DIGITS = "０１２３４５６７８９"
_DASHES = "－‐‑‒–—―−﹣"
_SPACES = "\u3000\u00a0\u2002\u2003\u2009"

_FOLD = str.maketrans(
    {
        **{f: str(i) for i, f in enumerate(_FULL_DIGITS)},
        **dict.fromkeys(_DASHES, "-"),
        **dict.fromkeys(_SPACES, " "),
        "，": ",",
        "．": ".",
        "／": "/",
        "：": ":",
        "＠": "@",
        "＋": "+",
        "（": "(",
        "）": ")",
        **{chr(c): chr(c - 0xFEE0) for c in range(ord("Ａ"), ord("Ｚ") + 1)},
        **{chr(c): chr(c - 0xFEE0) for c in range(ord("ａ"), ord("ｚ") + 1)},
    }
)


_FOLDABLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _FOLD) + "]+")


def fold(text: str) -> str:
    """Full-width digits/letters, dashes and spaces to ASCII; same length as the input."""
    if len(text) >= 1000:
        return _fold_long(text)  # the people counter and the Individual Number rule fold the same text
    return _fold(text)


def _fold(text: str) -> str:
    # Translating only the runs that need it is several times faster than str.translate over
    # a whole Japanese text, where most characters map to themselves.
    return _FOLDABLE.sub(lambda m: m.group().translate(_FOLD), text)


_fold_long = lru_cache(maxsize=4)(_fold)


_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                 "九": 9, "壱": 1, "弐": 2, "参": 3}
_KANJI_SMALL = {"十": 10, "百": 100, "千": 1000}
_KANJI_LARGE = {"万": 10**4, "億": 10**8, "兆": 10**12}
KANJI_NUMERAL_CHARS = "".join([*_KANJI_DIGITS, *_KANJI_SMALL, *_KANJI_LARGE])


def kanji_to_int(s: str) -> int | None:
    """Value of a 漢数字 string: 二〇二四 → 2024, 三百五十 → 350, 1万2千 → 12000 (digits allowed)."""
    if not s:
        return None
    if s.isdigit() and s.isascii():
        return int(s)  # the common case, without the general reading below
    # Positional form (二〇二四): only digit characters.
    if all(c in _KANJI_DIGITS or c.isdigit() for c in s):
        try:
            return int("".join(str(_KANJI_DIGITS[c]) if c in _KANJI_DIGITS else c for c in s))
        except ValueError:
            return None
    total = section = 0
    num: int | None = None
    i = 0
    while i < len(s):
        c = s[i]
        if c.isdigit() and c.isascii():
            j = i
            while j < len(s) and s[j].isdigit() and s[j].isascii():
                j += 1
            num = int(s[i:j])
            i = j
            continue
        if c in _KANJI_DIGITS:
            num = _KANJI_DIGITS[c]
        elif c in _KANJI_SMALL:
            section += (num if num is not None else 1) * _KANJI_SMALL[c]
            num = None
        elif c in _KANJI_LARGE:
            section += num or 0
            total += (section or 1) * _KANJI_LARGE[c]
            section = 0
            num = None
        else:
            return None
        i += 1
    return total + section + (num or 0)


_COMPARE_DROP = re.compile(r"[\s,、。・「」『』（）()\[\]【】\"'“”‘’:：;；!！?？-]")


def compare_key(text: str) -> str:
    """A loose form for "does this appear in the source" checks: NFKC, lower case, no
    spaces or punctuation."""
    return _COMPARE_DROP.sub("", unicodedata.normalize("NFKC", text).lower())


# --- Number notation (Individual Numbers): ONE normalization for detection and masking ---------
#
# Every character a person, an IME, Word or Excel may put between the digits of a number. The
# detector (`detectors/individual_number.py`) scans `number_fold(text)` and masks the spans it
# finds in the original text, so whatever it accepts here is also what `redact` covers.
NUMBER_SPACES = " \u3000\u00a0\t\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
NUMBER_BREAKS = "\n\r\u2028\u2029\v\f\x85"
NUMBER_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
# Hyphen-like marks, including the IME's long-vowel marks typed for a hyphen (ー, ｰ), the minus
# sign and the small hyphen; the middle dots and slashes staff use between groups.
NUMBER_DASHES = "-－‐‑‒–—―−﹣ｰー⁃"
NUMBER_MARKS = "・･／/"
KANJI_DIGITS = "〇一二三四五六七八九零"

_NUMBER_FOLD = str.maketrans(
    {
        **{f: str(i) for i, f in enumerate(_FULL_DIGITS)},
        **dict.fromkeys(NUMBER_SPACES, " "),
        **dict.fromkeys(NUMBER_BREAKS, "\n"),
        **dict.fromkeys(NUMBER_INVISIBLE, "\u200b"),
        **dict.fromkeys(NUMBER_DASHES + NUMBER_MARKS, "-"),
        "，": ",",
        "．": ".",
    }
)
# Characters that map to themselves (space, hyphen, LF) are left out: they are everywhere in
# prose, and substituting only the others keeps this several times faster.
_NUMBER_FOLDABLE = re.compile(
    "[" + "".join(re.escape(chr(c)) for c, v in _NUMBER_FOLD.items() if v != chr(c)) + "]+"
)
_KANJI_FOLD = str.maketrans({c: str(_KANJI_DIGITS[c]) for c in KANJI_DIGITS})


def number_fold(text: str, *, kanji: bool = False) -> str:
    """Same-length view of `text` for number detection: ASCII and full-width digits become ASCII
    digits (with `kanji`, 漢数字 digits too), every accepted separator becomes one of ` ` (space),
    `\\n` (line break), `\\u200b` (invisible) or `-` (hyphen, dash, ー, ・, ／), and `，．` become
    `,.`. Offsets in the result are offsets into `text`."""
    out = _NUMBER_FOLDABLE.sub(lambda m: m.group().translate(_NUMBER_FOLD), text)
    return out.translate(_KANJI_FOLD) if kanji else out
