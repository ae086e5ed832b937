"""Where Tidtam keeps things: data dir, database URL, config dir. Environment overrides all."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The user's data dir (database, evidence files, run folders); ``TIDTAM_DATA_DIR`` overrides."""
    override = os.environ.get("TIDTAM_DATA_DIR")
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("tidtam", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Config shipped with the checkout/package; ``TIDTAM_CONFIG_DIR`` points to an office's own copy."""
    return Path(os.environ.get("TIDTAM_CONFIG_DIR") or PACKAGE_ROOT / "config")


def database_url(explicit: str | None = None) -> str:
    """``--db`` (a URL or a file path) beats ``TIDTAM_DATABASE_URL`` beats a SQLite file in the data dir."""
    value = explicit or os.environ.get("TIDTAM_DATABASE_URL")
    if not value:
        return f"sqlite:///{data_dir() / 'tidtam.sqlite'}"
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"
