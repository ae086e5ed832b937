"""Completeness per process and per owner: who has sent everything, who is missing what."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .status import ItemState, ProcessStatus


@dataclass
class OwnerCompleteness:
    process_code: str
    process: str
    due: date | None
    owner_code: str | None
    owner_name: str
    group: str
    filled: int = 0
    missing: list[str] = field(default_factory=list)  # item codes
    invalid: list[ItemState] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.invalid


def by_owner(processes: list[ProcessStatus]) -> list[OwnerCompleteness]:
    """One row per (process, owner), incomplete owners first, then by name."""
    rows: dict[tuple[str, str | None], OwnerCompleteness] = {}
    for process in processes:
        for state in process.items:
            item = state.item
            row = rows.setdefault(
                (process.code, item.owner_code),
                OwnerCompleteness(process.code, process.short_name, process.due, item.owner_code,
                                  item.owner_name or "(ยังไม่กำหนดผู้รับผิดชอบ)", item.group or "-"),
            )
            if state.state == "missing":
                row.missing.append(item.code)
            else:
                row.filled += 1
                if state.state == "invalid":
                    row.invalid.append(state)
    return sorted(rows.values(), key=lambda r: (r.process_code, r.complete, -len(r.missing) - len(r.invalid), r.owner_name))
