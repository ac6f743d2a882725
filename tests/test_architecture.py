"""The import rules of docs/architecture.md, read from the source with ast.

- The shared layers (activity, search, exports, policy, partnerships, auth and the
  helper modules in app/) import no area package (manifest, agreements, risks, tables,
  reviews, cycles): areas register what they contribute (app/registry.py).
- No package imports another package's routes.
- No import at the bottom of a module (after its first def or class), and an import
  inside a function only with a comment that says why.

Every import counts: at the top, under `if TYPE_CHECKING:`, inside functions, relative
imports and import_module("...") calls with a literal name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
AREAS = ("manifest", "agreements", "risks", "tables", "reviews", "cycles", "decisions")
SHARED_PACKAGES = (
    "activity",
    "documents",
    "search",
    "exports",
    "imports",
    "partnerships",
    "auth",
)
# Modules of app/ itself that may import areas: the application factory, which wires
# every package in, and the demo loader (`flask seed demo`), which fills every area.
COMPOSITION = ("__init__.py", "seeds.py")


@dataclass(frozen=True)
class Import:
    module: str  # the absolute dotted name imported (for "from a import b": a.b and a)
    line: int
    in_function: bool
    commented: bool


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(source: str, name: str, is_package: bool = False) -> list[Import]:
    """Every import in source (of the module `name`), with where it stands."""
    tree = ast.parse(source)
    lines = source.splitlines()
    package = name if is_package else name.rpartition(".")[0]
    found: list[Import] = []

    def commented(node: ast.stmt) -> bool:
        own = lines[node.lineno - 1]
        above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        return "#" in own or above.startswith("#")

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append(Import(alias.name, child.lineno, in_function, commented(child)))
            elif isinstance(child, ast.ImportFrom):
                base = _absolute(child, package)
                note = commented(child)
                found.append(Import(base, child.lineno, in_function, note))
                for alias in child.names:
                    found.append(Import(f"{base}.{alias.name}", child.lineno, in_function, note))
            elif (
                isinstance(child, ast.Call)
                and getattr(child.func, "id", getattr(child.func, "attr", "")) == "import_module"
                and child.args
                and isinstance(child.args[0], ast.Constant)
                and isinstance(child.args[0].value, str)
            ):
                found.append(Import(child.args[0].value, child.lineno, in_function, True))
            visit(child, inside)

    visit(tree, False)
    return found


def bottom_imports(source: str) -> list[int]:
    """Lines of module-level imports that follow the module's first def or class."""
    tree = ast.parse(source)
    seen_definition = False
    lines = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            seen_definition = True
        elif seen_definition:
            lines.extend(
                n.lineno for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)
            )
    return lines


def area_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "app" and parts[1] in AREAS:
        return parts[1]
    return None


def sources() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def is_shared(path: Path) -> bool:
    relative = path.relative_to(APP).parts
    if len(relative) == 1:
        return relative[0] not in COMPOSITION
    return relative[0] in SHARED_PACKAGES


def read(path: Path) -> tuple[str, str, bool]:
    return path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py"


# --- the rules, on the real source --------------------------------------------------------


def test_the_shared_layers_are_found_and_checked():
    shared = [p.relative_to(APP).as_posix() for p in sources() if is_shared(p)]
    for expected in ("activity/objects.py", "activity/notifications.py", "search/services.py",
                     "exports/calendar.py", "policy.py", "partnerships/dashboard.py",
                     "registry.py", "urls.py", "views.py"):  # fmt: skip
        assert expected in shared
    assert not any(p.startswith(AREAS) for p in shared)
    assert "__init__.py" not in shared


def test_the_shared_layers_import_no_area():
    wrong = []
    for path in filter(is_shared, sources()):
        for found in imports_of(*read(path)):
            if area_of(found.module):
                wrong.append(f"{path.relative_to(ROOT)}:{found.line} imports {found.module}")
    assert wrong == []


def test_no_package_imports_another_packages_routes():
    wrong = []
    for path in sources():
        source, name, is_package = read(path)
        own = name.split(".")[1] if name.count(".") >= 1 else ""
        for found in imports_of(source, name, is_package):
            parts = found.module.split(".")
            if len(parts) >= 3 and parts[0] == "app" and parts[2] == "routes" and parts[1] != own:
                wrong.append(f"{path.relative_to(ROOT)}:{found.line} imports {found.module}")
    assert wrong == []


def test_no_module_imports_at_its_bottom():
    wrong = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sources()
        for line in bottom_imports(path.read_text(encoding="utf-8"))
    ]
    assert wrong == []


def test_imports_inside_functions_say_why():
    wrong = [
        f"{path.relative_to(ROOT)}:{found.line} imports {found.module}"
        for path in sources()
        for found in imports_of(*read(path))
        if found.in_function and not found.commented
    ]
    assert wrong == []


# --- the checks themselves find what they look for ----------------------------------------


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from app.agreements.models import Agreement\n", "app.agreements.models"),
        ("import app.risks.services\n", "app.risks.services"),
        ("from app import tables\n", "app.tables"),
        ("from ..reviews import models\n", "app.reviews"),
        ("def f():\n    from app.cycles.forms import X\n", "app.cycles.forms"),
        (
            "if TYPE_CHECKING:\n    from app.manifest.models import Principle\n",
            "app.manifest.models",
        ),
        (
            "def f():\n    return import_module('app.agreements.services')\n",
            "app.agreements.services",
        ),
    ],
)
def test_every_form_of_importing_an_area_is_seen(source, module):
    found = imports_of(source, "app.activity.example")
    assert module in {i.module for i in found}
    assert any(area_of(i.module) for i in found)


def test_shared_helpers_and_the_base_layers_are_no_area():
    found = imports_of(
        "from app.partnerships.models import Membership\nfrom app.auth.models import User\n"
        "from app.registry import objects\nfrom . import labels\nimport flask\n",
        "app.activity.example",
    )
    assert [i.module for i in found if area_of(i.module)] == []
    assert "app.activity.labels" in {i.module for i in found}


def test_a_function_level_import_needs_a_comment_on_its_line_or_above():
    source = (
        "def a():\n    from app.x import y\n\n"
        "def b():\n    from app.x import z  # a cycle: x imports this module\n\n"
        "def c():\n    # x imports this module at its top\n    import app.x\n"
    )
    found = [i for i in imports_of(source, "app.example") if i.in_function]
    assert {i.line: i.commented for i in found} == {2: False, 5: True, 9: True}


def test_an_import_after_the_first_definition_is_a_bottom_import():
    source = (
        "import os\nif True:\n    import sys\n\n"
        "def f():\n    import json  # why\n\n"
        "class C:\n    pass\n\n"
        "from app.auth.models import User  # noqa: E402\n"
        "if True:\n    import re\n"
    )
    assert bottom_imports(source) == [11, 13]
