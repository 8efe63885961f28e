"""The shape rules of DESIGN.md, checked by reading the imports of every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


@pytest.mark.parametrize("path", sorted((ROOT / "importers").glob("*.py")), ids=lambda p: p.name)
def test_importers_are_pure(path):
    assert not top(imports_of(path)) & {"crm", "flask", "peewee", "flask_htmx", "playhouse"}


@pytest.mark.parametrize("name", ["scoring.py", "dates.py", "forms.py"])
def test_pure_crm_modules_use_neither_flask_nor_the_database(name):
    names = imports_of(ROOT / "crm" / name)
    assert not top(names) & {"flask", "peewee", "flask_htmx", "playhouse"}
    assert not {n for n in names if n.startswith("crm.")} - {"crm.dates", "crm.scoring", "crm.models"}


@pytest.mark.parametrize("path", sorted((ROOT / "crm" / "services").glob("*.py")), ids=lambda p: p.name)
def test_services_never_import_flask(path):
    assert not top(imports_of(path)) & {"flask", "flask_htmx", "werkzeug.wrappers"}


@pytest.mark.parametrize("path", sorted((ROOT / "crm" / "views").glob("*.py")), ids=lambda p: p.name)
def test_views_do_not_write_to_models_directly(path):
    source = path.read_text()
    for call in (".save(", ".create(", ".delete_instance(", ".insert(", "db.atomic"):
        assert call not in source, f"{path.name} calls {call} (use a service)"


def test_templates_never_mark_text_safe():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert "|safe" not in text.replace(" ", ""), path
        assert "autoescape false" not in text, path


def test_no_inline_script_or_style_in_templates():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert " style=" not in text and "<style" not in text, path
        assert " hx-on" not in text, path
        for chunk in text.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), f"inline script in {path}"


def test_code_has_no_markup_escapes_or_debug():
    for path in list((ROOT / "crm").rglob("*.py")) + list((ROOT / "importers").rglob("*.py")):
        text = path.read_text()
        for banned in ("Markup(", "render_template_string", "extractall(", "debug=True"):
            assert banned not in text, f"{banned} in {path}"


def test_stylesheet_blocks_are_all_closed():
    # A lost "}" at a merge silently moves every later rule into a media query.
    css = (ROOT / "static" / "css" / "app.css").read_text()
    depth = 0
    for number, line in enumerate(css.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"app.css line {number}: unmatched }}"
        if line.startswith("/*"):
            assert depth == 0, f"app.css line {number}: a section starts inside an open block"
    assert depth == 0


def test_browser_waits_pass_functions_not_expressions():
    """Playwright polls a `wait_for_function` expression with eval, which the app's CSP forbids:
    such a wait passed only when its condition already held, and failed under load. A function
    ("() => …") is polled without eval."""
    for path in (ROOT / "tests" / "browser").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "wait_for_function":
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant):
                    assert first.value.lstrip().startswith("("), f"{path.name}:{node.lineno}"
