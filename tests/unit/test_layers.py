"""Dependencies point one way (STYLE.md): core → accounts → schools → files → review → materials,
questions → assignments → search → reports → api → home. Read from the source with ast, so a new
sideways import fails here before it becomes a circle."""

import ast
from pathlib import Path

import pytest

LMS = Path(__file__).resolve().parents[2] / "lms"

LAYERS = {
    "core": 0, "extensions": 0, "config": 0,
    "accounts": 1,
    "schools": 2,
    "files": 3,
    "review": 4,
    "materials": 5, "questions": 5,
    "assignments": 6,
    "search": 7,
    "reports": 8,
    "parents": 8,
    "api": 9,
    "home": 10,
    # The top: they wire every feature together.
    "models": 11, "cli": 11, "__init__": 11,
}
SIBLINGS_APART = {"materials", "questions"}  # the two item types stay independent


def _package_of(path):
    parts = path.relative_to(LMS).with_suffix("").parts
    return parts[0]


def _imported_packages(path):
    """The lms top-level packages a module imports (absolute `lms.x` or relative)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    depth = len(path.relative_to(LMS).parts) - 1  # folders below lms/
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if node.module and node.module.split(".")[0] == "lms":
                    parts = node.module.split(".")[1:]
                    found.add(parts[0] if parts else None)
                continue
            up = node.level - 1  # `.` is this folder
            if up > depth:
                continue
            here = list(path.relative_to(LMS).parts[:depth - up])
            target = here + (node.module.split(".") if node.module else [])
            if target:
                found.add(target[0])
            else:  # `from .. import a, b` at the lms level
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "lms" and len(parts) > 1:
                    found.add(parts[1])
    return {p for p in found if p}


MODULES = sorted(p for p in LMS.rglob("*.py") if "translations" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(LMS)))
def test_imports_point_down(path):
    package = _package_of(path)
    assert package in LAYERS, f"add lms/{package} to LAYERS in {__file__}"
    level = LAYERS[package]
    wrong = []
    for imported in _imported_packages(path):
        if imported == package or imported not in LAYERS:
            continue
        if LAYERS[imported] > level:
            wrong.append(f"{imported} (layer {LAYERS[imported]} > {package}'s {level})")
        elif package in SIBLINGS_APART and imported in SIBLINGS_APART:
            wrong.append(f"{imported} (materials and questions never import each other)")
    assert not wrong, f"lms/{path.relative_to(LMS)} imports upwards or sideways: {', '.join(sorted(wrong))}"


def test_the_checker_sees_relative_imports(tmp_path):
    """The parser itself: a relative import two levels up is attributed to the right package."""
    source = LMS / "files" / "services.py"
    assert {"core", "extensions"} <= _imported_packages(source)
    assert "materials" not in _imported_packages(source)
    assert "review" in _imported_packages(LMS / "materials" / "services.py")


def test_only_files_touches_pillow_and_stored_paths():
    """`files` is the only package that decodes images or opens stored files by path."""
    offenders = []
    for path in MODULES:
        if _package_of(path) == "files":
            continue
        text = path.read_text(encoding="utf-8")
        if "from PIL" in text or "import PIL" in text or ".path_for(" in text:
            offenders.append(str(path.relative_to(LMS)))
    assert not offenders, offenders


def _is_view_module(path):
    parts = path.relative_to(LMS).parts
    return parts[0] == "api" or "views" in parts or path.stem == "views"


def test_no_view_enqueues_a_job():
    """Jobs start from after-commit events (core/events.py), never from a view or an API handler:
    a view that enqueues by hand can queue work for a transaction that then rolls back."""
    offenders = []
    for path in MODULES:
        if not _is_view_module(path):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [alias.name for alias in node.names]
                if any(name == "jobs" or name.endswith(".jobs") for name in names):
                    offenders.append(f"{path.relative_to(LMS)}:{node.lineno}")
    assert offenders == []
