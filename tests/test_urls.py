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
