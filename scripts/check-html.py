#!/usr/bin/env python3
"""Check every page each role of the demo reaches with the Nu HTML checker (vnu-jar).

Runs tests/test_html_valid.py with SAMENSPEL_HTML_CHECK=all: the demo data with a member
of every role, a crawl of all pages each of them reaches, the sign-in page and a refused
form, checked in one run of the checker. Prints every error with the page and line; exits
non-zero when there is one. Needs `make setup-test` (vnu-jar in node_modules, Java 17)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    environment = {**os.environ, "SAMENSPEL_HTML_CHECK": "all"}
    command = [
        str(ROOT / ".venv" / "bin" / "pytest"), "-n", "0", "-q", "-s", "-p", "no:cacheprovider",
        "tests/test_html_valid.py::test_every_kind_of_page_is_valid_html", *sys.argv[1:],
    ]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main())
