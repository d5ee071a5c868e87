"""The arrows point one way: comments → articles → the house's furniture, which imports no app.

Only the wiring knows every app: the root URLs, the settings, the roles and the command that loads
the demo. Everything else in `newsroom/` is furniture both apps stand on.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIRING = {
    "newsroom/urls.py",
    "newsroom/settings.py",
    "newsroom/roles.py",
    "newsroom/management/commands/seed_demo.py",
}
ROOMS = {"articles": ("comments",), "newsroom": ("articles", "comments")}


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def modules_of(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative not in WIRING:
            yield relative, path


@pytest.mark.parametrize("package", sorted(ROOMS))
def test_no_module_imports_a_room_above_it(package):
    forbidden = ROOMS[package]
    offences = [
        f"{relative} imports {module}"
        for relative, path in modules_of(package)
        for module in imported_modules(path)
        if module.split(".")[0] in forbidden
    ]
    assert offences == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def ready():\n    from articles.models import Article\n    import comments.policy\n")
    assert list(imported_modules(sample)) == ["articles.models", "comments.policy"]
