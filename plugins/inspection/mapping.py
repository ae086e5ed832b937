"""Schema of ``config/targets/inspection/<version>/mapping.yaml``."""
from __future__ import annotations

from tidtam.core.config import Strict


class InspectionMapping(Strict):
    recipient: str  # the regional office's address for inspection reports
    region_office: str
    attachment_max_bytes: int
    smtp_host: str
    smtp_port: int
    smtp_tls: bool = False
