"""The dry-run page: one HTML file with a row per record — diff, screenshot, warnings — and the
hash of the whole payload set that ``approve`` binds to. Self-contained but for screenshots."""
from __future__ import annotations

import difflib
import re
from datetime import datetime, timezone
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..periods import thai_time

TEMPLATES = Path(__file__).parent / "templates"
VERDICT_TH = {"preview": "พร้อมส่ง", "invalid": "ยังไม่พร้อม: ต้องแก้ตามข้อความ", "sent": "ส่งแล้ว ไม่ต้องส่งซ้ำ",
            "error": "อ่านหรือเปิดแบบฟอร์มไม่ได้"}


LONG_TEXT = 120  # characters: a changed text longer than this is shown as a diff of its words


def word_diff(change) -> list[tuple[str, str]] | None:
    """A long text change as (kind, text) pieces, kind "same" | "del" | "ins"; None for short values.

    Split at spaces (Thai writes a space between phrases), so a narrative's edit reads as the
    phrases removed and added rather than two walls of text."""
    site, ours = str(change.site or ""), str(change.ours or "")
    if max(len(site), len(ours)) <= LONG_TEXT or not site:
        return None
    split = lambda text: re.findall(r"\s+|[^\s]+", text)  # noqa: E731
    old, new = split(site), split(ours)
    pieces: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(old[a1:a2])))
            continue
        if a2 > a1:
            pieces.append(("del", "".join(old[a1:a2])))
        if b2 > b1:
            pieces.append(("ins", "".join(new[b1:b2])))
    return pieces


def steps_of(forms, payload) -> list[dict] | None:
    """The values of every step of a payload's form, laid out for the page (wizards only: a
    one-page form is its screenshot)."""
    fill = payload.data.get("fill")
    if not fill or forms is None or len(forms.forms[fill["form"]].steps) < 2:
        return None
    from ..forms.plan import layout

    return layout(forms.forms[fill["form"]], fill["steps"])


def write_preview(path: Path, t, period, rows, digest: str, options, section=None) -> Path:
    """The page; ``section`` is the target's own HTML shown under the table (hook preview_section)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    env.filters["word_diff"] = word_diff
    env.filters["steps_of"] = lambda payload: steps_of(t.config.forms, payload)
    now = datetime.now(timezone.utc)
    html = env.get_template("preview.html.j2").render(
        target=t.spec, period=period, rows=rows, digest=digest, mode=options.mode, office=t.office_code,
        generated=thai_time(now), state_th=VERDICT_TH,
        action_th=dict(getattr(t.spec, "action_titles", {})),
        counts={state: sum(1 for r in rows if r.state == state) for state in VERDICT_TH}, section=section,
        approve=getattr(options, "approve_command", None)
        or f'python cli.py approve {t.spec.name} --period {period.id} --by "ชื่อผู้อนุมัติ"')
    path.write_text(html, encoding="utf-8")
    return path
