"""The Nu HTML checker (vnu-jar from npm) over pages the test client renders: pages are
written to a folder and checked in one Java run, which is what makes checking hundreds of
pages affordable. Used by tests/test_html_valid.py and scripts/check-html.py."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@dataclass(frozen=True)
class Problem:
    """One error the checker reports: the page's path, the line and the message."""

    path: str
    line: int
    message: str
    extract: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message} [{self.extract.strip()}]"


def page_type(path: str) -> str:
    """What kind of page a path is: its numbers left out, and its query (a filter or a page
    number shows the same template)."""
    return re.sub(r"/\d+(?=/|$)", "/<n>", urlsplit(path).path)


def check(pages: dict[str, str], folder: Path) -> list[Problem]:
    """Check the pages (path -> HTML) in one run of the checker; its errors, in page order.
    Warnings and notes of the checker are not errors and are left out."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for number, (path, html) in enumerate(pages.items()):
        file = folder / f"page-{number:04d}.html"
        file.write_text(html, encoding="utf-8")
        files[str(file.resolve())] = path
    result = subprocess.run(  # noqa: S603 (a fixed command; the files are our own)
        ["java", "-Xss1m", "-jar", str(VNU), "--format", "json", "--stdout", *sorted(files)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise RuntimeError(f"The Nu HTML checker did not answer: {result.stderr}") from error
    problems = []
    for message in report.get("messages", []):
        if message.get("type") not in ("error", "non-document-error"):
            continue
        url = message.get("url", "")
        problems.append(
            Problem(
                files.get(url.removeprefix("file:"), url),
                message.get("lastLine", 0),
                message.get("message", ""),
                message.get("extract", ""),
            )
        )
    order = {path: number for number, path in enumerate(pages)}
    return sorted(problems, key=lambda p: (order.get(p.path, len(order)), p.line))
