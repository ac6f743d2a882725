"""The privacy guard as a pure function: a table of texts and the hits it must (not) find.

Decisions documented by these cases, following app/reviews/privacy.py:
- a nine-digit number is a BSN only when it passes the 11-check, and not when money is
  mentioned right next to it (€, EUR, euro, "bedrag", ",-") or it is part of a longer run;
- postcodes are four digits not starting with 0 and two CAPITAL letters that are not SA,
  SD or SS (never issued); "1234 ab" in lower case is not flagged (it reads as text more
  often than as an address), a house number right after the postcode belongs to the hit;
- a date is flagged only when it exists and lies between 1900 and this year (a birth
  date); two-digit years count;
- phone numbers are Dutch: 06 + 8 digits, 0 + area code (also in brackets) + subscriber
  (10 digits), or +31 / 0031; shorter or longer digit runs are not flagged; nine digits
  right after +31 / 0031 are a phone number, never a BSN;
- an IBAN is flagged only when its mod-97 check passes; an IBAN with a wrong check and
  spaces is not flagged as an IBAN (its last groups may still look like a landline);
- a name is a title (any case) followed by a capitalised word, with initials ("J.P.")
  and Dutch prefixes (van, de, den, el, ...) in between; "mevrouw vertelde" and
  "de moeder" are not names.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.reviews import privacy
from app.reviews.privacy import Hit, is_valid_bsn, is_valid_iban, scan, scan_fields

NEXT_YEAR = date.today().year + 1

BSN, DATE, POSTCODE, PHONE, EMAIL, IBAN, NAME = (
    privacy.BSN, privacy.DATE, privacy.POSTCODE, privacy.PHONE, privacy.EMAIL, privacy.IBAN,
    privacy.NAME,
)  # fmt: skip


def case(text: str, *hits: tuple[str, str], id: str):  # noqa: A002 (pytest's word)
    return pytest.param(text, list(hits), id=id)


CASES = [
    # --- citizen service numbers (valid ones pass the 11-check) --------------------------
    case("123456782", (BSN, "123456782"), id="bsn-plain"),
    case("111222333", (BSN, "111222333"), id="bsn-plain-2"),
    case("1234.56.782", (BSN, "1234.56.782"), id="bsn-4-2-3-dots"),
    case("123 456 782", (BSN, "123 456 782"), id="bsn-3-3-3-spaces"),
    case("12 345 6782", (BSN, "12 345 6782"), id="bsn-2-3-4-spaces"),
    case("123-456-782", (BSN, "123-456-782"), id="bsn-dashes"),
    case("111.222.333", (BSN, "111.222.333"), id="bsn-3-3-3-dots"),
    case("BSN: 100000009.", (BSN, "100000009"), id="bsn-before-full-stop"),
    case("(999999990)", (BSN, "999999990"), id="bsn-in-brackets"),
    # invalid: nine digits failing the 11-check, and all zeros
    case("BSN 123456789", id="bsn-fails-11-check"),
    case("123456781", id="bsn-fails-11-check-2"),
    case("111 222 334", id="bsn-grouped-fails-11-check"),
    case("000000000", id="bsn-all-zeros"),
    # near misses: amounts, phone numbers, order numbers, years, thousands
    case("€ 123456782", id="amount-euro-sign"),
    case("€123456782", id="amount-euro-sign-no-space"),
    case("€ 123.456.782", id="amount-euro-sign-dots"),
    case("het bedrag was 123456782 euro", id="amount-euro-word"),
    case("123456782 EUR", id="amount-eur"),
    case("123456782,-", id="amount-comma-dash"),
    case("ordernummer 1234567820", id="order-number-ten-digits"),
    case("factuur 98123456782", id="order-number-eleven-digits"),
    case("12345678201234", id="long-digit-run"),
    case("in 1998 en 2015", id="years"),
    case("12.000", id="thousands"),
    case("12.000.000", id="millions"),
    case("0612345678", (PHONE, "0612345678"), id="mobile-is-phone-not-bsn"),
    # --- dates that may be birth dates ---------------------------------------------------
    case("12-03-2012", (DATE, "12-03-2012"), id="date-dashes"),
    case("1-1-2015", (DATE, "1-1-2015"), id="date-short"),
    case("2012-03-12", (DATE, "2012-03-12"), id="date-iso"),
    case("3 maart 2015", (DATE, "3 maart 2015"), id="date-month-name"),
    case("3 mrt. 2015", (DATE, "3 mrt. 2015"), id="date-month-abbreviated"),
    case("12 December 2001", (DATE, "12 December 2001"), id="date-month-capitalised"),
    case("12/03/12", (DATE, "12/03/12"), id="date-two-digit-year"),
    case("29-02-2016", (DATE, "29-02-2016"), id="date-leap-day"),
    case("31-02-2015", id="not-a-date-31-february"),
    case("12-13-2015", id="not-a-date-month-13"),
    case("29-02-2015", id="not-a-date-no-leap-year"),
    case(f"12-03-{NEXT_YEAR}", id="not-a-date-future-year"),
    case(f"3 maart {NEXT_YEAR}", id="not-a-date-future-year-words"),
    case("1 januari 1899", id="not-a-date-before-1900"),
    # --- postcodes ------------------------------------------------------------------------
    case("3811 AB", (POSTCODE, "3811 AB"), id="postcode"),
    case("3811AB", (POSTCODE, "3811AB"), id="postcode-no-space"),
    case("3811 AB 12", (POSTCODE, "3811 AB 12"), id="postcode-house-number"),
    case("3811AB12", (POSTCODE, "3811AB12"), id="postcode-house-number-together"),
    case("3811 AB, 12a", (POSTCODE, "3811 AB, 12a"), id="postcode-comma-house-number-letter"),
    case("0811 AB", id="postcode-starting-with-0"),
    case("3811 SS", id="postcode-letters-ss"),
    case("3811 SA", id="postcode-letters-sa"),
    case("1234 ab", id="postcode-lower-case-not-flagged"),
    # --- phone numbers --------------------------------------------------------------------
    case("06-12345678", (PHONE, "06-12345678"), id="mobile-dash"),
    case("06 1234 5678", (PHONE, "06 1234 5678"), id="mobile-spaces"),
    case("+31 6 12345678", (PHONE, "+31 6 12345678"), id="mobile-international"),
    case("0031612345678", (PHONE, "0031612345678"), id="mobile-international-00"),
    case("+31 (0)6 12345678", (PHONE, "+31 (0)6 12345678"), id="mobile-international-0"),
    case("033-4567890", (PHONE, "033-4567890"), id="landline-dash"),
    case("030 123 4567", (PHONE, "030 123 4567"), id="landline-spaces"),
    case("(030) 123 4567", (PHONE, "(030) 123 4567"), id="landline-area-code-in-brackets"),
    case("033 - 4567890", (PHONE, "033 - 4567890"), id="landline-spaced-dash"),
    case("(06-12345678)", (PHONE, "06-12345678"), id="mobile-in-brackets"),
    # nine digits after the country code are a phone number, even when they pass the 11-check
    case("+31 33 456 7890", (PHONE, "+31 33 456 7890"), id="international-not-a-bsn"),
    case("0031 334567890", (PHONE, "0031 334567890"), id="international-00-not-a-bsn"),
    case("12345", id="short-number"),
    case("06-1234567", id="mobile-too-short"),
    case("030-12345678", id="landline-too-long"),
    # --- e-mail addresses -----------------------------------------------------------------
    case("jan.jansen@example.nl", (EMAIL, "jan.jansen@example.nl"), id="email"),
    case(
        "mail naar info@gemeente.amersfoort.nl.",
        (EMAIL, "info@gemeente.amersfoort.nl"),
        id="email-subdomain-before-full-stop",
    ),  # fmt: skip
    case("a@b", id="not-an-email"),
    # --- IBANs ----------------------------------------------------------------------------
    case("NL91ABNA0417164300", (IBAN, "NL91ABNA0417164300"), id="iban"),
    case("NL91 ABNA 0417 1643 00", (IBAN, "NL91 ABNA 0417 1643 00"), id="iban-spaces"),
    case("NL20INGB0001234567", (IBAN, "NL20INGB0001234567"), id="iban-2"),
    case("NL91ABNA0417164301", id="iban-wrong-check"),
    # --- titled names ---------------------------------------------------------------------
    case("dhr. Jansen", (NAME, "dhr. Jansen"), id="name-dhr"),
    case("mevr. de Vries", (NAME, "mevr. de Vries"), id="name-mevr-prefix"),
    case("meneer Bakker", (NAME, "meneer Bakker"), id="name-meneer"),
    case("mevrouw El Amrani", (NAME, "mevrouw El Amrani"), id="name-mevrouw-el"),
    case("de heer Van den Berg", (NAME, "de heer Van den Berg"), id="name-de-heer-van-den"),
    case("Mevrouw Jansen", (NAME, "Mevrouw Jansen"), id="name-title-capitalised"),
    case("Dhr Jansen", (NAME, "Dhr Jansen"), id="name-title-without-dot"),
    case("Dhr. J. Jansen", (NAME, "Dhr. J. Jansen"), id="name-with-initial"),
    case("mevr. J.P. de Vries", (NAME, "mevr. J.P. de Vries"), id="name-with-initials-prefix"),
    case("mevrouw A. vertelde", id="not-a-name-initial-then-verb"),
    case("mevrouw vertelde dat", id="not-a-name-verb"),
    case("de moeder", id="not-a-name-no-title"),
    case("mevrouw de moeder", id="not-a-name-prefix-then-lower-case"),
    case("dhr. jansen", id="not-a-name-lower-case"),
    # --- nothing at all, and several kinds together -----------------------------------------
    case("", id="empty"),
    case("Het gezin kreeg hulp van twee aanbieders.", id="clean-text"),
    case(
        "mevr. Hendriks, geboren 14-03-2011, woont op 3811 AB 12 en is bereikbaar op 06-12345678.",
        (NAME, "mevr. Hendriks"),
        (DATE, "14-03-2011"),
        (POSTCODE, "3811 AB 12"),
        (PHONE, "06-12345678"),
        id="several-kinds-in-order",
    ),  # fmt: skip
]


def test_the_table_has_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_scan_finds_exactly_the_expected_hits(text, expected):
    hits = scan(text)
    assert [(h.kind, h.text) for h in hits] == expected
    for hit in hits:
        # The position points at the fragment in the text.
        assert text[hit.start : hit.end] == hit.text
        assert hit.kind in privacy.KINDS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cliënt met BSN 123456782 meldde zich.", Hit(BSN, 15, 24, "123456782")),
        ("Geboren op 12-03-2012.", Hit(DATE, 11, 21, "12-03-2012")),
        ("Adres: 3811 AB 12, Amersfoort", Hit(POSTCODE, 7, 17, "3811 AB 12")),
        ("Bel 06 1234 5678 morgen", Hit(PHONE, 4, 16, "06 1234 5678")),
        ("Mail jan@example.nl.", Hit(EMAIL, 5, 19, "jan@example.nl")),
        ("Rekening NL91 ABNA 0417 1643 00 gebruikt", Hit(IBAN, 9, 31, "NL91 ABNA 0417 1643 00")),
        ("Gesprek met de heer Van den Berg over school", Hit(NAME, 12, 32, "de heer Van den Berg")),
    ],
    ids=["bsn", "date", "postcode", "phone", "email", "iban", "name"],
)
def test_each_kind_reports_its_exact_position(text, expected):
    assert scan(text) == [expected]


def test_an_iban_with_a_wrong_check_is_never_an_iban_hit():
    assert is_valid_iban("NL91 ABNA 0417 1643 00")
    assert not is_valid_iban("NL91 ABNA 0417 1643 01")
    assert IBAN not in {h.kind for h in scan("NL91 ABNA 0417 1643 01")}


def test_overlapping_hits_keep_one_kind_and_come_in_text_order():
    # Where hits overlap the first kind in the order bsn, iban, email, phone, postcode, date,
    # name wins: a BSN used as an e-mail address is reported as a BSN (so it blocks).
    text = "Mail 123456782@example.nl of NL91ABNA0417164300, bel 0612345678."
    assert [(h.kind, h.text) for h in scan(text)] == [
        (BSN, "123456782"), (IBAN, "NL91ABNA0417164300"), (PHONE, "0612345678"),
    ]  # fmt: skip
    assert [h.kind for h in scan("mail jan@example.nl")] == [EMAIL]
    starts = [h.start for h in scan(text)]
    assert starts == sorted(starts)


@pytest.mark.parametrize(
    "number", ["123456782", "111222333", "100000009", "999999990", "334567890"]
)
def test_the_bsns_of_the_table_pass_the_11_check(number):
    assert is_valid_bsn(number)
    assert is_valid_bsn(f"{number[:3]} {number[3:6]} {number[6:]}")


@pytest.mark.parametrize(
    "number", ["123456789", "123456781", "000000000", "12345678", "1234567820"]
)
def test_numbers_that_fail_the_11_check_or_have_the_wrong_length(number):
    assert not is_valid_bsn(number)


def test_every_valid_nine_digit_number_in_a_range_is_flagged_and_no_other():
    for n in range(100_000_000, 100_000_400):
        flagged = [h.kind for h in scan(f"nummer {n} genoemd")]
        assert flagged == ([BSN] if is_valid_bsn(str(n)) else []), n


def test_scan_fields_names_the_field_of_each_hit():
    found = scan_fields(
        {
            "title": "Gezin Jansen",
            "case_description": "BSN 123456782 en mevr. Jansen",
            "went_well": None,
            "could_be_better": "bel 033-4567890",
        }
    )
    assert [(field, hit.kind, hit.text) for field, hit in found] == [
        ("case_description", BSN, "123456782"),
        ("case_description", NAME, "mevr. Jansen"),
        ("could_be_better", PHONE, "033-4567890"),
    ]
    # Positions are within each field's own text.
    assert found[0][1].start == 4


def test_scan_fields_of_clean_or_empty_texts_is_empty():
    assert scan_fields({}) == []
    assert scan_fields({"title": "", "case_description": None, "went_well": "Goed."}) == []


def test_the_hits_of_a_text_are_kept_for_the_day_they_were_found():
    text = "Geboren op 12-03-2027, mevr. Jansen weet ervan."
    privacy._scan.cache_clear()

    first, again = scan(text), scan(text)
    assert first == again and first is not again  # each caller its own list
    assert privacy._scan.cache_info().hits == 1
    again.clear()
    assert scan(text) == first  # what a caller does with its list changes nothing kept

    # A birth date is plausible up to the day of the scan: next year's date is found then.
    this_year = privacy._scan(text, date(2026, 12, 7))
    next_year = privacy._scan(text, date(2027, 6, 1))
    assert [h.kind for h in this_year] == ["name"]
    assert [h.kind for h in next_year] == ["date", "name"]

    long = "mevr. Jansen " * 400  # longer than KEPT_TEXT: scanned each time, not kept
    kept = privacy._scan.cache_info().currsize
    assert len(scan(long)) == 400 and privacy._scan.cache_info().currsize == kept
