"""What `pip install` ships: every Python folder of the package is listed in pyproject.toml."""
from __future__ import annotations

import tomllib

from tidtam.core.settings import PACKAGE_ROOT

NOT_SHIPPED = {"tests", "bench", "scripts", "docs", ".venv", ".git", ".ci", "build", "demo-output"}


def test_every_python_folder_is_a_listed_package():
    listed = set(tomllib.loads((PACKAGE_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set()
    for path in PACKAGE_ROOT.rglob("*.py"):
        parts = path.relative_to(PACKAGE_ROOT).parts[:-1]
        if parts and (parts[0] in NOT_SHIPPED or parts[0].endswith(".egg-info") or "__pycache__" in parts):
            continue
        found.add(".".join(("tidtam", *parts)))
    assert found - listed == set()
