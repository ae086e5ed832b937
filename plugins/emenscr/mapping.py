"""Schema of ``config/targets/emenscr/<version>/mapping.yaml``: how core values read on the site."""
from __future__ import annotations

from tidtam.core.config import Strict
from tidtam.core.models import ProgressStatus


class EmenscrMapping(Strict):
    base_url: str  # the site's address; the demo points at the local stand-in
    statuses: dict[ProgressStatus, str]  # core status → the site's status label
    budget_sources: dict[str, str]  # catalog code → the site's label
    budget_lines: dict[str, str]
    narrative_max_chars: int = 2000  # longest text the progress form accepts
