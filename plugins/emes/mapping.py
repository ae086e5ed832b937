"""Schema of ``config/targets/emes/<version>/mapping.yaml``."""
from __future__ import annotations

from pydantic import Field

from tidtam.core.config import Strict


class EmesMapping(Strict):
    base_url: str
    levels: list[int] = Field(min_length=1)  # the levels the site offers, e.g. 1–5 [assumed]
    narrative_max_chars: int
    evidence_types: list[str]  # file extensions the site accepts
    evidence_max_bytes: int
