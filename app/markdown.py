"""Markdown to safe HTML: Python-Markdown, then cleaned by nh3."""

from __future__ import annotations

import threading
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "a", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


_local = threading.local()


def _converter() -> md.Markdown:
    # Building a converter registers every extension: do it once per thread, then reset.
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = md.Markdown(
            extensions=["tables", "sane_lists"], output_format="html"
        )
    return converter.reset()


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown; anything not on the allow-list is stripped."""
    if not text:
        return Markup("")
    return _render(text)


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
