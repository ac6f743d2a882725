"""The error pattern of every form (NL Design System / GOV.UK): a refused submit answers
with a page whose title starts with "Fout: " and whose error summary, at the top, links to
fields that exist on the page; labels say "(verplicht)" or "(optioneel)" truthfully.

The forms are found by crawling the demo partnership as the members who may fill them in,
then sent empty (only the CSRF token and the version a form carries)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.conftest import csrf_token, post
from tests.walk import DEMO, SESSION_ENDERS, clients_by_role, crawl, demo_with_world, endpoint_of

# The dashboard links to filtered lists too ("at a glance"), so the crawl needs a few more
# pages to reach every form.
CRAWL_PAGES = 170


class _Summary(HTMLParser):
    """The page title, the ids on the page and the links of its error summaries."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.ids, self.links, self.summaries = "", set(), [], 0
        self._in_title, self._depth = False, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "title":
            self._in_title = True
        if "data-error-summary" in a:
            self.summaries += 1
            assert a.get("tabindex") == "-1"
            self._depth = 1
        elif self._depth and tag == "div":
            self._depth += 1
        if self._depth and tag == "a":
            self.links.append(a.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if self._depth and tag == "div":
            self._depth -= 1

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def read(page: str) -> _Summary:
    parser = _Summary()
    parser.feed(page)
    return parser


def empty_submit(form) -> dict:
    data = {name: "" for name in form.fields if name != "csrf_token"}
    if form.fields.get("version"):
        data["version"] = form.fields["version"][0]
    return data


def has_input(form) -> bool:
    """A form to fill in (an empty text field, text area or select), not a single button."""
    return any(values == [] for name, values in form.fields.items() if name != "csrf_token")


def test_every_refused_form_leads_to_its_fields(app, world, client, login_as):
    demo_with_world(app, world)
    roles = ["beheerder", "programmamanager", "teamlid"]
    clients = clients_by_role(app, world, client, login_as, roles)
    checked, problems = set(), []
    for role in roles:
        starts = [f"/p/{DEMO}/", "/account", "/account/notifications"]
        _, forms = crawl(clients[role], starts, CRAWL_PAGES)
        for form in forms:
            endpoint = endpoint_of(app, form.action)
            if endpoint is None or endpoint in SESSION_ENDERS or not has_input(form):
                continue
            data = {**empty_submit(form), "csrf_token": csrf_token(clients[role])}
            response = clients[role].post(form.action, data=data)
            if response.status_code != 422 or "text/html" not in response.content_type:
                continue
            page = read(response.get_data(as_text=True))
            checked.add(endpoint)
            if not page.title.startswith("Fout: "):
                problems.append(f"{role} {form.action}: title {page.title!r}")
            if not page.summaries:
                problems.append(f"{role} {form.action}: no error summary")
            for href in page.links:
                if not href.startswith("#") or href[1:] not in page.ids:
                    problems.append(f"{role} {form.action}: summary link {href!r} leads nowhere")
    assert problems == []
    # The walk reaches the forms of every area, so the check above cannot pass empty.
    assert len(checked) >= 15, sorted(checked)
    areas = {endpoint.split(".")[0] for endpoint in checked}
    assert {"agreements", "risks", "reviews", "decisions", "manifest"} <= areas, areas


def test_a_workable_agreement_reports_parties_and_revisit_date_at_once(app, world, login_as):
    client = login_as(world, "programmamanager")
    response = post(
        client,
        f"/p/{world.partnership.slug}/agreements/new",
        {"title": "Wachttijden", "summary": "We bellen binnen een week.", "kind": "werkbaar",
         "start_on": "2026-12-01"},
    )  # fmt: skip
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    page = read(body)
    assert page.title.startswith("Fout: ")
    assert "#revisit_on" in page.links and "#parties-0" in page.links
    assert {"revisit_on", "parties-0"} <= page.ids
    assert "Een werkbare afspraak heeft een herzieningsdatum nodig." in body
    assert "Kies minstens één partij." in body


def test_labels_say_required_optional_or_explain_the_condition(app, world, login_as):
    client = login_as(world, "programmamanager")
    page = client.get(f"/p/{world.partnership.slug}/agreements/new").get_data(as_text=True)
    label = re.search(r'<label[^>]*for="revisit_on"[^>]*>(.*?)</label>', page, re.S).group(1)
    assert "(optioneel)" not in label and "(verplicht)" not in label
    assert "Verplicht voor een werkbare afspraak" in page
    title = re.search(r'<label[^>]*for="title"[^>]*>(.*?)</label>', page, re.S).group(1)
    assert "(verplicht)" in title
    end = re.search(r'<label[^>]*for="end_on"[^>]*>(.*?)</label>', page, re.S).group(1)
    assert "(optioneel)" in end


def test_a_first_showing_is_no_error(app, world, login_as):
    client = login_as(world, "programmamanager")
    page = read(client.get(f"/p/{world.partnership.slug}/agreements/new").get_data(as_text=True))
    assert not page.title.startswith("Fout: ") and page.summaries == 0
