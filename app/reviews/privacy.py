"""The privacy guard: find personal data in free text before a review is shared.

A pure function without database or request: ``scan(text)`` returns the hits, each with
its kind and position. Kinds: bsn (a citizen service number that passes the 11-check),
date (a full date that may be a birth date), postcode (with or without house number),
phone, email, iban (passes the mod-97 check) and name (a titled name such as
"mevr. Jansen").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

BSN, DATE, POSTCODE, PHONE, EMAIL, IBAN, NAME = (
    "bsn", "date", "postcode", "phone", "email", "iban", "name",
)  # fmt: skip
KINDS = (BSN, DATE, POSTCODE, PHONE, EMAIL, IBAN, NAME)


@dataclass(frozen=True)
class Hit:
    kind: str
    start: int
    end: int
    text: str


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def is_valid_bsn(number: str) -> bool:
    """The 11-check: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is divisible by 11 (and not all zeros)."""
    digits = _digits(number)
    if len(digits) != 9 or set(digits) == {"0"}:
        return False
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


def is_valid_iban(value: str) -> bool:
    compact = re.sub(r"\s", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


# Nine digits, written together or in the usual groups (3-3-3, 4-2-3, 2-3-4), not part
# of a longer number.
_BSN = re.compile(
    r"(?<![\d.,\-/+])"
    r"(\d{9}|\d{3}[ .\-]\d{3}[ .\-]\d{3}|\d{4}[ .\-]\d{2}[ .\-]\d{3}|\d{2}[ .\-]\d{3}[ .\-]\d{4})"
    r"(?![\d]|[.,\-/]\d)"
)
_MONEY_BEFORE = re.compile(r"(€|eur|euro|EUR|bedrag)\s*$", re.IGNORECASE)
_MONEY_AFTER = re.compile(r"^\s*(€|euro|eur\b|,-)", re.IGNORECASE)
# "+31 33 456 7890" is a phone number, not a BSN in the 2-3-4 grouping.
_COUNTRY_CODE_BEFORE = re.compile(r"(\+31|0031)[\s\-]*(\(0\))?[\s\-]*$")

_MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    "|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
_DATE_NUMERIC = re.compile(r"(?<![\d])(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?![\d])")
_DATE_ISO = re.compile(r"(?<![\d])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d])")
_DATE_WORDS = re.compile(
    rf"(?<![\w])(\d{{1,2}})\s+({_MONTHS})\.?\s+(\d{{4}})(?![\d])", re.IGNORECASE
)

# Dutch postcode: 4 digits (not starting with 0), optional space, 2 letters (not SA, SD, SS),
# optionally followed by a house number.
_POSTCODE = re.compile(
    r"(?<![\w])([1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2})(?![A-Za-z])(\s*,?\s*\d{1,5}(?:\s?[a-zA-Z])?\b)?"
)

_PHONE = re.compile(
    r"(?<![\w+])("
    r"(?:\+31|0031)[\s\-]?(?:\(0\))?[\s\-]?[1-9](?:[\s\-]?\d){8}"  # international
    r"|(?:\(06\)|06)(?:\s*-\s*|\s)?(?:\d[\s\-]?){7}\d"  # mobile
    # landline: area code (possibly in brackets, "(030) 123 4567") + number
    r"|(?:\(0[1-9]\d{1,2}\)|0[1-9]\d{1,2})(?:\s*-\s*|\s)?(?:\d[\s\-]?){5,6}\d"
    r")(?![\d])"
)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")

_IBAN = re.compile(
    r"(?<![A-Za-z0-9])([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?)(?![A-Za-z0-9])"
)

# A title (any case) and a capitalised surname, with Dutch prefixes in between.
_NAME = re.compile(
    r"(?<![\w])(?i:dhr\.?|mevr\.?|mw\.?|meneer|mevrouw|de\s+heer|juffrouw|mr\.|dr\.)\s+"
    r"(?:[A-ZÀ-Ý]\.\s*){0,4}"  # initials: "dhr. J. Jansen", "mevr. J.P. de Vries"
    r"(?:(?i:van|de|der|den|het|ter|ten|te|la|le|op|in|'t|el|al|ben|bin|da|di|du|von)\s+)*"
    r"[A-ZÀ-Ý][a-zà-ÿ'\-]+"
)


def _plausible_date(day: int, month: int, year: int, today: date) -> bool:
    if year < 100:
        year += 2000 if year <= today.year % 100 else 1900
    if not 1900 <= year <= today.year:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _month_number(word: str) -> int:
    names = _MONTHS.split("|")
    word = word.lower().rstrip(".")
    index = names.index(word)
    if index < 12:
        return index + 1
    short = {"jan": 1, "feb": 2, "mrt": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
             "sept": 9, "okt": 10, "nov": 11, "dec": 12}  # fmt: skip
    return short[word]


KEPT_TEXT = 4000  # longer texts (a document's pages) are scanned each time


def scan(text: str) -> list[Hit]:
    """Every hit in the text, ordered by position; overlapping hits keep the first kind
    found in this order: bsn, iban, email, phone, postcode, date, name. The hits of a text
    of at most KEPT_TEXT characters are kept for the day (a plausible birth date depends on
    it): a concept review's page scans all its texts on every visit."""
    if not text:
        return []
    if len(text) > KEPT_TEXT:
        return list(_scan.__wrapped__(text, date.today()))
    return list(_scan(text, date.today()))


@lru_cache(maxsize=1024)
def _scan(text: str, today: date) -> tuple[Hit, ...]:
    hits: list[Hit] = []

    for m in _BSN.finditer(text):
        before, after = text[max(0, m.start() - 12) : m.start()], text[m.end() : m.end() + 8]
        if _MONEY_BEFORE.search(before) or _MONEY_AFTER.search(after):
            continue
        if _COUNTRY_CODE_BEFORE.search(before):
            continue
        if is_valid_bsn(m.group(1)):
            hits.append(Hit(BSN, m.start(1), m.end(1), m.group(1)))

    for m in _IBAN.finditer(text):
        if is_valid_iban(m.group(1)):
            hits.append(Hit(IBAN, m.start(1), m.end(1), m.group(1)))

    for m in _EMAIL.finditer(text):
        hits.append(Hit(EMAIL, m.start(), m.end(), m.group()))

    for m in _PHONE.finditer(text):
        digits = _digits(m.group(1))
        if m.group(1).startswith(("+", "00")) or len(digits) == 10:
            hits.append(Hit(PHONE, m.start(1), m.end(1), m.group(1)))

    for m in _POSTCODE.finditer(text):
        end = m.end(2) if m.group(2) else m.end(1)
        hits.append(Hit(POSTCODE, m.start(1), end, text[m.start(1) : end]))

    for m in _DATE_NUMERIC.finditer(text):
        if _plausible_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), today):
            hits.append(Hit(DATE, m.start(), m.end(), m.group()))
    for m in _DATE_ISO.finditer(text):
        if _plausible_date(int(m.group(3)), int(m.group(2)), int(m.group(1)), today):
            hits.append(Hit(DATE, m.start(), m.end(), m.group()))
    for m in _DATE_WORDS.finditer(text):
        if _plausible_date(int(m.group(1)), _month_number(m.group(2)), int(m.group(3)), today):
            hits.append(Hit(DATE, m.start(), m.end(), m.group()))

    for m in _NAME.finditer(text):
        hits.append(Hit(NAME, m.start(), m.end(), m.group()))

    # Keep the first hit where hits overlap (the list is in order of priority).
    kept: list[Hit] = []
    for hit in hits:
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return tuple(sorted(kept, key=lambda h: h.start))


def scan_fields(fields: dict[str, str]) -> list[tuple[str, Hit]]:
    """(field name, hit) for every hit in several texts."""
    return [(name, hit) for name, text in fields.items() for hit in scan(text or "")]
