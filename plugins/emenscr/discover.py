"""``cli.py discover emenscr``: first contact with a site, read only. Signs in, walks the pages the
push uses (the walk of ``doctor.py``: opening pages only, never a save, next-and-save, send or
confirm) and writes per page its structure, a screenshot and its ARIA snapshot, then a draft of
our config version matched to what was found (``core.forms.discover``)."""
from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from tidtam.core.config import TargetConfig
from tidtam.core.forms.discover import draft, snapshot
from tidtam.core.ledger import office_by_code
from tidtam.core.models import Activity, Kpi, Person, Project
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
    hide = [credentials.username, *(office_words(t.db, t.office_code) if t.db is not None else [])]

    async def go():
        async with remotes(t, credentials, options, 1) as (remote,):
            async def look(key: str, inspect) -> None:
                if inspect is not None:
                    pages[key] = await snapshot(remote.page, config.forms, key, out / "pages", hide)
            await walk(remote, period, look)
    asyncio.run(go())
    return draft(config.folder, config.forms, pages, out), pages


def office_words(db, office_code: str) -> list[str]:
    """What the office typed into its projects and its people's names, which the site shows back
    in headings and labels: cut from everything discover writes. Longest first, so a name goes
    before a word inside it."""
    with db.session() as session:
        office = office_by_code(session, office_code).id
        projects = select(Project.id).where(Project.office_id == office)
        columns = [(Project.code, Project.office_id == office), (Project.name, Project.office_id == office),
                   (Activity.name, Activity.project_id.in_(projects)), (Kpi.name, Kpi.project_id.in_(projects)),
                   *((column, Person.office_id == office) for column in (Person.first_name, Person.last_name, Person.phone))]
        words = {word for column, where in columns for word in session.scalars(select(column).where(where))}
    return sorted((word for word in words if word and len(word) > 2), key=len, reverse=True)
