"""url_pattern (app/urls.py): many links differing in one number, built with one url_for."""

from __future__ import annotations

import pytest
from flask import url_for

from app import fixed_url, static_url
from app.urls import url_pattern


def test_a_pattern_gives_what_url_for_gives_for_every_number(app):
    values = {"slug": "een-verband", "table_id": 12, "conversation_id": 345}
    with app.test_request_context():
        for endpoint in ("tables.edit_comment", "tables.hide_comment", "tables.comment_history"):
            link = url_pattern(endpoint, "comment_id", **values)
            for number in (1, 9, 10, 345, 12_345_678):
                assert link(number) == url_for(endpoint, comment_id=number, **values)


def test_a_pattern_keeps_the_query_and_refuses_what_is_no_number(app):
    with app.test_request_context():
        link = url_pattern("agreements.show", "number", slug="s", tab="geschiedenis")
        assert link(7) == url_for("agreements.show", slug="s", number=7, tab="geschiedenis")
        with pytest.raises(ValueError):
            link("7/../../admin")


def test_an_argument_outside_the_path_goes_in_the_query_as_with_url_for(app):
    with app.test_request_context():
        assert url_pattern("site.healthz", "page")(3) == url_for("site.healthz", page=3)


def test_a_fixed_url_is_what_url_for_gives_under_each_script_root(app):
    cases = [("site.accessibility", {}), ("search.index", {"slug": "een-verband"}),
             ("partnerships.dashboard", {"slug": "ander-verband"})]  # fmt: skip
    for root in ("", "/samenspel"):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for endpoint, values in cases:
                assert fixed_url(endpoint, **values) == url_for(endpoint, **values)
                assert fixed_url(endpoint, **values).startswith(root + "/")
            assert static_url("css/app.css") == url_for("static", filename="css/app.css")


def test_a_conversations_comment_links_are_what_url_for_gives_under_each_script_root(app):
    from app.tables.routes import _comment_links

    values = {"slug": "een-verband", "table_id": 12, "conversation_id": 345}
    for root in ("", "/samenspel"):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            links = _comment_links(root, *values.values())
            assert links["post"] == url_for("tables.post_comment", **values)
            assert links["post"].startswith(root + "/")
            assert links["mentions"] == url_for(
                "tables.mention_suggestions", slug="een-verband", table_id=12
            )
            assert links["edit"](7) == url_for("tables.edit_comment", comment_id=7, **values)
            assert links["hide"](7) == url_for("tables.hide_comment", comment_id=7, **values)
            assert links["history"](7) == url_for("tables.comment_history", comment_id=7, **values)
            assert links["documents"](7) == url_for(
                "documents.index", slug="een-verband", kind="comment", object_id=7
            )
