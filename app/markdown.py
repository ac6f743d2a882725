"""Markdown to safe HTML: Python-Markdown, then cleaned by nh3."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup, escape

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "a", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


_local = threading.local()

# A mention as stored: "@[Mehmet Yilmaz](user:42)". The id decides; the name in brackets only
# keeps the text readable while editing, the page shows the person's current name.
MENTION_TOKEN = re.compile(r"@\[([^\[\]\n]{0,200})\]\(user:(\d{1,12})\)")
# Stand-ins for the mentions while Markdown renders: private-use characters nobody types
# (they are removed from the text first), so the name never passes through Markdown.
_OPEN, _CLOSE = "\ue000", "\ue001"
_PLACEHOLDER = re.compile(f"{_OPEN}(\\d+){_CLOSE}")


def mention_token(user_id: int, name: str) -> str:
    """The stored form of a mention of this person."""
    label = re.sub(r"[\[\]\n\r]", " ", name)[:200]
    return f"@[{label}](user:{user_id})"


def plain_mentions(text: str) -> str:
    """The text with each stored mention as "@Name", for the search index and plain text."""
    return MENTION_TOKEN.sub(lambda m: "@" + m.group(1), text)


def mentioned_ids(text: str | None) -> set[int]:
    return {int(m.group(2)) for m in MENTION_TOKEN.finditer(text or "")}


def _converter() -> md.Markdown:
    # Building a converter registers every extension: do it once per thread, then reset.
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = md.Markdown(
            extensions=["tables", "sane_lists"], output_format="html"
        )
    return converter.reset()


def render_markdown(text: str | None, people: Mapping[int, str] | None = None) -> Markup:
    """Render user Markdown; anything not on the allow-list is stripped. A stored mention
    shows as "@" and the name `people` gives for its id; an id not in `people` (removed, or
    of someone elsewhere) shows the name written in the text, as plain text."""
    if not text:
        return Markup("")
    if "](user:" not in text:
        return _render(text)
    text = text.replace(_OPEN, "").replace(_CLOSE, "")
    found: list[tuple[int, str]] = []

    def stand_in(match: re.Match) -> str:
        found.append((int(match.group(2)), match.group(1)))
        return f"{_OPEN}{len(found) - 1}{_CLOSE}"

    html = str(_render(MENTION_TOKEN.sub(stand_in, text)))
    people = people or {}

    def mention(match: re.Match) -> str:
        user_id, label = found[int(match.group(1))]
        # Escaped, quotes too: the text may stand in an attribute (a link's title).
        return "@" + escape(people.get(user_id, label))

    return Markup(_PLACEHOLDER.sub(mention, html))  # noqa: S704  (cleaned, names escaped)


@lru_cache(maxsize=8192)
def _render(text: str) -> Markup:
    # The same text always gives the same HTML, and pages show the same comments,
    # principles and explanations again and again.
    html = _converter().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"scope"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704  (cleaned by nh3 above)
