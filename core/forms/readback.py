"""What the site holds, compared with a payload's fill; and a refusal turned into what to fix.

Both browser and http remotes read a form back into the shape of the values they sent (by
locators, or from the site's JSON under the fields' ``input`` names) and hand it here.
"""
from __future__ import annotations

from ..contract import Change, Payload, RemoteRecord, RemoteRefused
from .plan import Values, _label, differences, month_label
from .schema import Constant, Derived, FormsFile, MonthsField, RowsField, Step


def record(forms: FormsFile, payload: Payload, remote_id: str, shown: dict[str, Values | None] | None) -> RemoteRecord | None:
    """The site's values of the payload's form (``{step code: values}``; a step the site has not
    saved is None) compared with what the payload sends; None when the site holds nothing."""
    if shown is None or not any(_filled(values) for values in shown.values() if values is not None):
        return None
    fill = payload.data["fill"]
    form = forms.forms[fill["form"]]
    diff = [Change(f"{step.code} {label}" if len(form.steps) > 1 else label, site, ours)
            for step in form.steps if step.code in shown
            for label, site, ours in differences(step, fill["steps"][step.code], shown[step.code])]
    return RemoteRecord(remote_id, {"steps": shown}, matches=not diff, diff=diff)


def _filled(values: Values) -> bool:
    for value in values.values():
        if isinstance(value, list) and any(any(str(v).strip() for v in row.values()) for row in value):
            return True
        if isinstance(value, dict) and any(str(v).strip() for v in value.values()):
            return True
        if isinstance(value, str) and value.strip():
            return True
    return False


def labels_by_input(step: Step, values: Values) -> dict[str, tuple[str, str]]:
    """``{input name: (label, field key)}`` of the fields a step's values fill."""
    found: dict[str, tuple[str, str]] = {}
    for key, field in step.fields.items():
        if isinstance(field, RowsField):
            for n in range(1, len(values.get(key) or []) + 1):
                for column, spec in field.columns.items():
                    if spec.input:
                        found[spec.input.format(n=n)] = (_label(spec).format(n=n), key)
        elif isinstance(field, MonthsField):
            for month in values.get(key) or {}:
                if field.input:
                    found[field.input.format(key=month)] = (_label(field).format(month=month_label(month), key=month), key)
        elif field.input:
            found[field.input] = (_label(field), key)
    return found


def source_of(step: Step, key: str) -> str:
    """Where a field's value comes from, in words: the data to correct, or the forms.yaml key."""
    field = step.fields.get(key)
    value = getattr(field, "value", None)
    if isinstance(value, Constant):
        return f"ค่าคงที่ใน forms.yaml (fields.{key}.value)"
    if isinstance(value, Derived):
        return f"ข้อมูล {value.source} ของเรา (คำนวณแบบ {value.derive})"
    return f"ข้อมูล {value or key} ของเรา"


def by_input(step: Step, values: Values, errors: dict[str, str]) -> list[tuple[str, str, str]]:
    """The site's messages keyed by input name (its JSON answer) as (label, field key, message)."""
    labels = labels_by_input(step, values)
    return [(*labels.get(name, (name, "")), message) for name, message in errors.items()]


def refusal(step: Step, errors: list[tuple[str, str, str]]) -> RemoteRefused:
    """The site refused a save, saying why per field (label, our field key, what it said): which
    of our values, and what to correct. Running the push again cannot help: the values must
    change first."""
    lines = []
    for label, key, message in errors:
        source = f" — ค่ามาจาก{source_of(step, key)}" if key else ""
        lines.append(f"{label}: {message}{source}" if label else message)
    return RemoteRefused("ระบบไม่รับข้อมูล: " + ("; ".join(lines) or "ไม่ระบุเหตุผล") + " — แก้ข้อมูลต้นทาง (หรือ forms.yaml) "
                         "แล้ว dry-run และขออนุมัติใหม่ (การรันซ้ำโดยไม่แก้จะไม่ผ่าน)")
