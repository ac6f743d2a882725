"""Every page names the icon browsers show in the tab, and the icon is served: a first
page asks for nothing that is not there."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from tests.conftest import sign_in


def icon_link(page: str) -> str:
    [href] = re.findall(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    return href


def test_the_sign_in_page_names_an_svg_icon_that_is_served(client):
    href = icon_link(client.get("/login").get_data(as_text=True))

    response = client.get(href)

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = ElementTree.fromstring(response.get_data())  # noqa: S314 (our own file)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.get("viewBox") == "0 0 32 32"


def test_a_page_of_a_partnership_names_the_same_icon(client, world):
    signed_out = icon_link(client.get("/login").get_data(as_text=True))
    sign_in(client, world.users["lezer"])

    response = client.get(f"/p/{world.partnership.slug}/")

    assert response.status_code == 200
    assert icon_link(response.get_data(as_text=True)) == signed_out


def test_the_conventional_address_leads_to_the_same_icon(client):
    href = icon_link(client.get("/login").get_data(as_text=True))

    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response.headers["Location"] == href
    assert client.get(response.headers["Location"]).mimetype == "image/svg+xml"
