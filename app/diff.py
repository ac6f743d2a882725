"""Word-level differences between two texts, marked with <del> and <ins> for side-by-side views."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from markupsafe import Markup, escape

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text or "")


def side_by_side(old: str, new: str) -> tuple[Markup, Markup]:
    """(old with removed words in <del>, new with added words in <ins>)."""
    a, b = _tokens(old), _tokens(new)
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        removed = escape("".join(a[i1:i2]))
        added = escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(removed)
            right.append(added)
        else:
            if removed:
                left.append(Markup("<del>%s</del>") % removed)
            if added:
                right.append(Markup("<ins>%s</ins>") % added)
    return Markup("").join(left), Markup("").join(right)
