"""Command line of Tidtam: ``python cli.py …`` from a checkout, ``tidtam …`` once installed."""
from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and "tidtam" not in sys.modules:
    # Running from a checkout: expose this folder as the package "tidtam", so every import
    # reads `tidtam.core…` exactly as it does after `pip install`.
    import importlib.util

    _root = Path(__file__).resolve().parent
    _spec = importlib.util.spec_from_file_location(
        "tidtam", _root / "__init__.py", submodule_search_locations=[str(_root)]
    )
    _pkg = importlib.util.module_from_spec(_spec)
    sys.modules["tidtam"] = _pkg
    _spec.loader.exec_module(_pkg)

import click  # noqa: E402


@click.group()
def main() -> None:
    """ติดตาม (Tidtam)"""


if __name__ == "__main__":
    from tidtam.cli import main as _main

    _main()
