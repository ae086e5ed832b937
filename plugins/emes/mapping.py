"""Schema of ``config/targets/emes/<version>/mapping.yaml``: planning rules, the evidence
files' rules and the site's address. What the pages hold (fields, labels, levels, buttons,
paths) is forms.yaml."""
from __future__ import annotations

from pydantic import field_validator

from tidtam.core.config import Strict


class EmesMapping(Strict):
    base_url: str  # the site's address; the demo points at the local stand-in
    links_max: int = 5  # links per point the site accepts
    evidence_types: dict[str, str]  # extension → the bytes (hex) such a file must start with
    evidence_max_bytes: int
    # What the evidence's description on the site says; {n} its number in the point, {name}
    # the file's name; a work's report file: {rank}, {title} of the work.
    evidence_description: str = "หลักฐานที่ {n}: {name}"
    work_description: str = "รายงานผลงานลำดับที่ {rank}: {title}"

    @field_validator("evidence_types")
    @classmethod
    def _hex(cls, value: dict[str, str]) -> dict[str, str]:
        for extension, signature in value.items():
            bytes.fromhex(signature)  # a ValueError names the bad signature
        return {k.lower().lstrip("."): v.lower() for k, v in value.items()}
