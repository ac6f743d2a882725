"""JSON log lines: one per request and per job run, a request id that the 500 page shows,
and no personal data or case text."""

from __future__ import annotations

import io
import json
import logging

import pytest
from flask_migrate import upgrade

from app import create_app
from app.ops.logs import JsonFormatter
from app.policy import public
from tests.conftest import post
from tests.reviews.helpers import SECRETS, review_fields, url


@pytest.fixture
def log_lines():
    """Everything logged meanwhile, as the production handler formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def requests_in(lines) -> list[dict]:
    return [line for line in lines if line.get("event") == "request"]


def test_one_json_line_per_request(client, world, login_as, log_lines):
    login_as(world, "teamlid")
    response = client.get(f"/p/{world.slug}/reviews/", headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 200
    line = requests_in(log_lines())[-1]
    assert line["method"] == "GET"
    assert line["route"] == "/p/<slug>/reviews/"
    assert line["status"] == 200
    assert line["user_id"] == world.users["teamlid"].id
    assert line["request_id"] == "abc-123"
    assert isinstance(line["duration_ms"], float)
    assert world.users["teamlid"].email not in json.dumps(line)


def test_a_request_id_is_made_when_none_or_a_bad_one_is_given(client, log_lines):
    client.get("/healthz")
    client.get("/healthz", headers={"X-Request-ID": "<script>x</script>"})
    ids = [line["request_id"] for line in requests_in(log_lines())]
    assert len(ids) == 2 and ids[0] != ids[1]
    assert all(len(i) == 32 and i.isalnum() for i in ids)
    assert requests_in(log_lines())[0]["user_id"] is None


def test_the_500_page_shows_the_request_id_and_the_log_keeps_the_error_text_out(
    tmp_path, log_lines
):
    broken = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
            "PROPAGATE_EXCEPTIONS": False,
            "MAIL_ECHO": False,
        }
    )

    @broken.get("/boom")
    @public
    def boom():
        raise RuntimeError("casus van gezin Jansen")

    with broken.app_context():
        upgrade()
    response = broken.test_client().get("/boom", headers={"X-Request-ID": "quote-me-42"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "quote-me-42" in page
    assert "Jansen" not in page
    lines = log_lines()
    error = next(line for line in lines if line.get("error"))
    assert error["error"] == "RuntimeError"
    assert error["request_id"] == "quote-me-42"
    assert error["route"] == "/boom"
    assert any("boom" in frame for frame in error["where"])
    assert requests_in(lines)[-1]["status"] == 500
    assert "Jansen" not in json.dumps(lines)


def test_the_log_of_posting_a_review_holds_none_of_its_text(
    app, client, world, login_as, log_lines
):
    login_as(world, "teamlid")
    fields = review_fields()
    form = {
        **{k: v for k, v in fields.items() if k != "held_on"},
        "held_on": fields["held_on"].isoformat(),
    }
    response = post(client, url(world, "/new"), form)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert SECRETS[0] in page  # the review was stored with its text
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in log_lines())
    assert any(
        line["method"] == "POST" and line["route"] == "/p/<slug>/reviews/new"
        for line in requests_in(log_lines())
    )
    for secret in SECRETS:
        assert secret not in text
    for value in (fields["title"], fields["team"], world.users["teamlid"].email):
        assert value not in text


def test_other_libraries_are_logged_without_their_values(log_lines):
    logging.getLogger("mail.log").warning("%r >> %r", "peer", b"DATA Beste mevrouw Jansen")
    logging.getLogger("samenspel.jobs").warning("job %s", "notify_send")
    lines = log_lines()
    assert lines[-2]["msg"] == "%r >> %r"
    assert "Jansen" not in json.dumps(lines)
    assert lines[-1]["msg"] == "job notify_send"
