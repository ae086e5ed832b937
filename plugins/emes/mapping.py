"""Schema of ``config/targets/emes/<version>/mapping.yaml``: how core values read on E-MES."""
from __future__ import annotations

from pydantic import Field, field_validator

from tidtam.core.config import Strict


class Paths(Strict):
    """Where things are on the site (under base_url); {year} is the BE fiscal year, {round} its number."""

    login: str = "/login"
    rounds: str = "/rounds"
    round_page: str = "/rounds/{year}/{round}"
    indicator: str = "/rounds/{year}/{round}/indicators/{code}"
    evidence_upload: str = "/rounds/{year}/{round}/indicators/{code}/evidence"
    confirm: str = "/rounds/{year}/{round}/confirm"


class EmesMapping(Strict):
    base_url: str  # the site's address; the demo points at the local stand-in
    levels: list[int] = Field(min_length=1)  # the levels the site offers, e.g. 1–5 [assumed]
    narrative_max_chars: int  # the longest narrative the site accepts
    links_max: int = 5  # links per indicator the site accepts
    evidence_types: dict[str, str]  # extension → the bytes (hex) such a file must start with
    evidence_max_bytes: int
    # What the evidence's description on the site says; {n} its number in the indicator, {name}
    # the file's name.
    evidence_description: str = "หลักฐานที่ {n}: {name}"
    paths: Paths = Paths()

    @field_validator("evidence_types")
    @classmethod
    def _hex(cls, value: dict[str, str]) -> dict[str, str]:
        for extension, signature in value.items():
            bytes.fromhex(signature)  # a ValueError names the bad signature
        return {k.lower().lstrip("."): v.lower() for k, v in value.items()}
