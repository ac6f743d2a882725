"""The Dutch and English catalogs are complete: every message in code and templates."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _extracted(tmp_path) -> set[tuple]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "extract",
            "--ignore-dirs=.* node_modules .venv", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_pgettext:1c,2",
            "-o", str(pot), ".",
        ],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as f:
        return {(m.context, m.id) for m in read_po(f) if m.id}


def _catalog(lang: str):
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def test_catalogs_translate_every_message(tmp_path):
    wanted = _extracted(tmp_path)
    assert len(wanted) > 100
    for lang in ("nl", "en"):
        catalog = _catalog(lang)
        translated = {
            (m.context, m.id) for m in catalog if m.id and m.string and "fuzzy" not in m.flags
        }
        missing = sorted(wanted - translated)
        assert missing == [], f"{lang}: untranslated messages: {missing[:10]}"


def test_dutch_is_the_default_and_english_is_complete(client):
    dutch = client.get("/login").get_data(as_text=True)
    assert 'lang="nl"' in dutch and "Inloggen bij Samenspel" in dutch
    token = dutch.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/language", data={"language": "en", "next": "/login", "csrf_token": token})
    english = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in english and "Log in to Samenspel" in english
