"""The password policy (NCSC guidance): long enough, not too long, not common, not guessable,
not the person's own address or name, and not the public demo password."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.auth.models import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

DEMO_PASSWORD = "samenspel-demo"  # noqa: S105  (documented; refused outside demo mode)
# zxcvbn's score (0-4): below this a password is refused as too easy to guess.
MIN_SCORE = 2
STRENGTH_LABELS = {
    0: _l("very weak"),
    1: _l("weak"),
    2: _l("reasonable"),
    3: _l("strong"),
    4: _l("very strong"),
}


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of leaked password lists, shipped with zxcvbn."""
    # Imported on first use: the lists are large, and most requests never judge a password.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


@dataclass(frozen=True)
class Verdict:
    problem: str | None  # the Dutch message when refused, else None
    score: int  # zxcvbn's 0-4 (0 when refused before scoring)

    @property
    def label(self) -> str:
        return str(STRENGTH_LABELS[self.score])


def _personal_words(email: str, name: str) -> list[str]:
    words = []
    local = email.split("@", 1)[0].strip().lower()
    if len(local) >= 3:
        words.append(local)
    words += [part for part in re.split(r"[\W_]+", name.lower()) if len(part) >= 3]
    full = re.sub(r"\s+", "", name.lower())
    if len(full) >= 3:
        words.append(full)
    return words


def judge(password: str, *, email: str = "", name: str = "") -> Verdict:
    """Why a new password is refused (None when it is acceptable), and how strong it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return Verdict(str(_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)), 0)
    if len(password) > MAX_PASSWORD_LENGTH:
        return Verdict(str(_l("Use at most %(n)s characters.", n=MAX_PASSWORD_LENGTH)), 0)
    lowered = password.lower()
    if lowered == DEMO_PASSWORD and not current_app.config.get("SAMENSPEL_DEMO"):
        return Verdict(str(_l("This is the public demo password. Choose another one.")), 0)
    if lowered in common_passwords():
        return Verdict(
            str(
                _l("This password is in a list of common or leaked passwords. Choose another one.")
            ),
            0,
        )
    if any(word in lowered for word in _personal_words(email, name)):
        return Verdict(
            str(_l("The password must not contain your e-mail address or your name.")), 0
        )
    # Imported on first use, like the lists above (zxcvbn loads them when imported).
    from zxcvbn import zxcvbn

    # zxcvbn's matching grows quickly with length; the first 72 characters tell enough.
    score = zxcvbn(password[:72], user_inputs=_personal_words(email, name))["score"]
    if score < MIN_SCORE:
        return Verdict(
            str(
                _l(
                    "This password is too easy to guess (repeats, sequences or keyboard "
                    "patterns). Make it longer or less predictable, for instance a few "
                    "unrelated words."
                )
            ),
            score,
        )
    return Verdict(None, score)
