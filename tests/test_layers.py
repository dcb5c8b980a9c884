"""Arrows point one way (DESIGN.md's layout table): a module imports only from the layers above its own."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: What each top-level package may import from the project (third-party packages are not checked here).
ALLOWED = {
    "schemewatch": set(),
    "training_stages": {"schemewatch"},
    "assets": {"schemewatch", "training_stages"},  # assets/resources.py: what assets and checks share
    "checks": {"schemewatch", "training_stages", "assets"},
    "orchestration": {"schemewatch", "training_stages", "assets", "checks"},
    "dashboards": {"schemewatch"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_module_imports_upwards(package: str) -> None:
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, module in _imports(path)
        if (top := module.split(".")[0]) in ALLOWED and top != package and top not in ALLOWED[package]
    ]
    assert not upward, "\n".join(upward)
