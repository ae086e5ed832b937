"""``cli.py discover emenscr``: first contact with a site, read only. Signs in, walks the pages the
push uses (the walk of ``doctor.py``: opening pages only, never a save, next-and-save, send or
confirm) and writes per page its structure, a screenshot and its ARIA snapshot, then a draft of
our config version matched to what was found (``core.forms.discover``)."""
from __future__ import annotations

import asyncio
from pathlib import Path

from tidtam.core.config import TargetConfig
from tidtam.core.forms.discover import draft, snapshot
from tidtam.core.push.run import remotes

from .doctor import walk


def discover(t, credentials, options, out: Path, period=None, base_url: str | None = None) -> tuple[Path, dict]:
    """(the draft version folder, every page's structure by forms.yaml key); ``base_url`` another
    address of the same site (the real one) than the mapping's."""
    config = t.config
    if base_url:
        config = TargetConfig(config.target, config.version, config.mapping.model_copy(update={"base_url": base_url}),
                              config.forms, config.folder)
        t.config = config
    pages: dict[str, dict] = {}

    async def go():
        async with remotes(t, credentials, options, 1) as (remote,):
            async def look(key: str, inspect) -> None:
                if inspect is not None:
                    pages[key] = await snapshot(remote.page, config.forms, key, out / "pages", [remote.credentials.username])
            await walk(remote, period, look)
    asyncio.run(go())
    return draft(config.folder, config.forms, pages, out), pages
