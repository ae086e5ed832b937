"""Our record → what each field of a form gets, as the site's text; and the checks the form
description alone can make (pure: no browser, no database).

A plugin plans a *record*: our values under logical names (``{"code": "2570-001", "owner":
{"phone": "081-234-5678"}, "kpis": [...]}``), in our vocabulary (status ``in_progress``, a
``date``, a ``Decimal``). ``fill_of`` turns it into what each step's fields get, through the form
description: the field's ``value`` says where its value comes from, its ``kind`` how the site
writes it (money "1234.50", dates "01/10/2569"), its ``options`` how our value reads among the
site's options. That is what a payload carries and what the director approves.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..thai import MONTH_ABBR, clean_text
from ..values import plain
from .schema import Constant, Derived, Field, Form, MonthsField, RowsField, Step

Values = dict  # a step's values: field key → text, [row: {column: text}] or {month key: text}


@dataclass(frozen=True)
class Finding:
    """A problem with a value or with the description, naming the key of forms.yaml to look at."""

    key: str  # "forms.progress.steps.progress.fields.status"
    field: str  # the field as the site labels it, for people
    message: str  # Thai: what is wrong and what to do
    wanted: tuple[str, str] | None = None  # (how, text) looked for and not found, for suggestions


# --- our record → the site's text ------------------------------------------------------------


def fill_of(form_name: str, form: Form, record: dict) -> tuple[dict, list[Finding]]:
    """``{"form": name, "steps": {code: values}}`` for a record, and what could not be mapped."""
    findings: list[Finding] = []
    steps = {step.code: step_values(form_name, step, record, findings) for step in form.steps}
    return {"form": form_name, "steps": steps}, findings


def step_values(form_name: str, step: Step, record: dict, findings: list[Finding]) -> Values:
    values: Values = {}
    for key, field in step.fields.items():
        where = f"forms.{form_name}.steps.{step.code}.fields.{key}"
        if isinstance(field, RowsField):
            rows = lookup(record, field.value) or []
            values[key] = [{column: _text(spec, _source(spec.value if spec.value is not None else column, row),
                                          f"{where}.columns.{column}", findings)
                            for column, spec in field.columns.items()} for row in rows]
        elif isinstance(field, MonthsField):
            months = _source(field.value if field.value is not None else key, record) or {}
            values[key] = {month: _formatted(field.each, amount) for month, amount in months.items()}
        elif field.kind == "file":
            values[key] = _source(field.value, record) if field.value is not None else record.get(key)
        else:
            source = field.value if field.value is not None else key  # by default our value of the same name
            values[key] = _text(field, _source(source, record), where, findings)
    return values


def lookup(record: dict, path: str):
    """``record["owner"]["phone"]`` for "owner.phone"; None where the path leads nowhere."""
    value = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _source(source, record: dict):
    if source is None:
        return None
    if isinstance(source, Constant):
        return source.constant
    if isinstance(source, Derived):
        return DERIVE[source.derive](lookup(record, source.source))
    return lookup(record, source)


def _text(field: Field, value, where: str, findings: list[Finding]) -> str:
    if field.kind in ("select", "radio") and field.options and value not in (None, ""):
        text = field.options.get(str(value))
        if text is None:
            findings.append(Finding(f"{where}.options", _label(field), f'ไม่มีตัวเลือกสำหรับค่า "{value}" ของเรา — '
                                    f'เพิ่ม "{value}: <ข้อความตัวเลือกบนเว็บ>" ใน options'))
            return str(value)
        return text
    return _formatted(field.kind, value)


def _formatted(kind: str, value) -> str:
    """How the site writes a value of ``kind``: money "1234.50", numbers "62.5", BE dates."""
    if value is None:
        return ""
    if kind == "money" and not isinstance(value, str):
        return f"{Decimal(value).quantize(Decimal('0.01')):.2f}"
    if kind == "number" and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return plain(Decimal(str(value)))
    if kind == "date_be" and isinstance(value, date):
        return f"{value.day:02d}/{value.month:02d}/{value.year + 543}"
    return str(value).replace("\r\n", "\n").strip()


def _label(field) -> str:
    return field.label or field.name or field.text or field.placeholder or field.css or ""


# --- derivations: the short, documented list forms.yaml may name (docs/เมื่อเว็บไซต์เปลี่ยน.md) ---


def _digits_only(value) -> str:
    """ "081-234-5678" → "0812345678"."""
    return re.sub(r"\D", "", str(value or ""))


def _lines(value) -> str:
    """A list → one line per item (a textarea); text stays as it is."""
    if isinstance(value, (list, tuple)):
        return "\n".join(clean_text(str(item)) for item in value if str(item).strip())
    return str(value or "")


def _first_day_be(key) -> str:
    """A month "2569-10" → its first day "01/10/2569"."""
    if not key:
        return ""
    year, month = str(key).split("-")
    return f"01/{int(month):02d}/{year}"


def _last_day_be(key) -> str:
    """A month "2569-10" → its last day "31/10/2569"."""
    if not key:
        return ""
    year, month = (int(part) for part in str(key).split("-"))
    return f"{calendar.monthrange(year - 543, month)[1]:02d}/{month:02d}/{year}"


DERIVE = {"digits_only": _digits_only, "lines": _lines, "first_day_be": _first_day_be, "last_day_be": _last_day_be}


def month_label(key: str) -> str:
    """A month key "2569-10" as the site labels it: "ต.ค. 2569"."""
    year, month = key.split("-")
    return f"{MONTH_ABBR[int(month)]} {year}"


# --- what the description alone can check -------------------------------------------------------


def check_values(form_name: str, form: Form, steps: dict[str, Values]) -> list[Finding]:
    """Required fields empty, texts too long, numbers and dates the site would refuse: every
    problem of a record's values, before any browser starts. A field the record's values leave
    out (a level the year does not ask) is not on its page and not checked."""
    findings: list[Finding] = []
    for step in form.steps:
        values = steps.get(step.code, {})
        for key, field in step.fields.items():
            if key not in values:
                continue
            where = f"forms.{form_name}.steps.{step.code}.fields.{key}"
            if isinstance(field, RowsField):
                rows = values.get(key) or []
                if field.required and not rows:
                    findings.append(Finding(where, key, "ระบบบังคับให้มีอย่างน้อย 1 รายการ แต่ข้อมูลของเราไม่มี"))
                for n, row in enumerate(rows, start=1):
                    for column, spec in field.columns.items():
                        _check(spec, row.get(column, ""), f"{where}.columns.{column}", f"{_label(spec).format(n=n, month='')} ", findings)
            elif isinstance(field, MonthsField):
                for month, text in (values.get(key) or {}).items():
                    _check_kind(field.each, text, where, _label(field).format(month=month_label(month), key=month), findings)
            elif field.kind != "file":
                _check(field, values.get(key, ""), where, _label(field), findings)
    return findings


def _check(field: Field, text: str, where: str, label: str, findings: list[Finding]) -> None:
    label = label.strip().rstrip(":")
    if field.required and not str(text).strip():
        findings.append(Finding(where, label, "ระบบบังคับกรอก แต่ข้อมูลของเราว่าง — เติมข้อมูลต้นทาง "
                                "หรือกำหนด value ใน forms.yaml (ค่าคงที่ หรือค่าที่คำนวณได้)"))
        return
    if field.max_length and len(str(text)) > field.max_length:
        findings.append(Finding(where, label, f"ยาว {len(str(text)):,} ตัวอักษร เกินที่ระบบรับ {field.max_length:,} — ย่อข้อความต้นทาง"))
    _check_kind(field.kind, text, where, label, findings)


_MONEY = re.compile(r"^\d+(\.\d{1,2})?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DATE_BE = re.compile(r"^\d{2}/\d{2}/\d{4}$")


def _check_kind(kind: str, text: str, where: str, label: str, findings: list[Finding]) -> None:
    if not str(text).strip():
        return
    rules = {"money": (_MONEY, "จำนวนเงินไม่ติดลบ ทศนิยมไม่เกิน 2 ตำแหน่ง"), "number": (_NUMBER, "ตัวเลข"),
             "date_be": (_DATE_BE, "วันที่ วว/ดด/ปปปป (พ.ศ.)")}
    rule = rules.get(kind)
    if rule and not rule[0].match(str(text)):
        findings.append(Finding(where, label.strip(), f'ต้องเป็น{rule[1]} (ได้ "{text}")'))


# --- the same values under the names the form posts (http mode, JSON read-back) -------------------


def flat(fill: dict) -> Values:
    """Every step's values in one mapping by field key (our logical names), whatever step holds them."""
    merged: Values = {}
    for values in fill["steps"].values():
        merged.update(values)
    return merged


def inputs_of(step: Step, values: Values) -> dict[str, str]:
    """``{input name: text}`` of a step's values: what the form's own script posts."""
    posted: dict[str, str] = {}
    for key, field in step.fields.items():
        if key not in values:
            continue
        if isinstance(field, RowsField):
            for n, row in enumerate(values[key], start=1):
                for column, text in row.items():
                    posted[field.columns[column].input.format(n=n)] = text
        elif isinstance(field, MonthsField):
            for month, text in values[key].items():
                posted[field.input.format(key=month)] = text
        elif field.input:
            posted[field.input] = values[key]
    return posted


def from_inputs(step: Step, posted: dict, like: Values) -> Values:
    """What a site holds under its input names (its JSON), in the shape of ``like``."""
    shown: Values = {}
    for key, field in step.fields.items():
        if key not in like:
            continue
        if isinstance(field, RowsField):
            shown[key] = [{column: str(posted.get(field.columns[column].input.format(n=n), "") or "") for column in row}
                          for n, row in enumerate(like[key], start=1)]
        elif isinstance(field, MonthsField):
            shown[key] = {month: str(posted.get(field.input.format(key=month), "") or "") for month in like[key]}
        else:
            shown[key] = str(posted.get(field.input, "") or "")
    return shown


def same(kind: str, shown: str, ours: str) -> bool:
    """Whether the site shows our value: numbers compared as numbers ("80.0" is "80"), text by
    its normal form (line ends, the ends' blanks)."""
    if kind in ("number", "money"):
        from ..values import ValueProblem, read_number

        try:
            return read_number(str(shown), decimals=6) == read_number(str(ours), decimals=6)
        except ValueProblem:
            return False
    normal = lambda text: str(text or "").replace("\r\n", "\n").strip()  # noqa: E731
    return normal(shown) == normal(ours)


def differences(step: Step, ours: Values, shown: Values | None) -> list[tuple[str, str, str]]:
    """(the field's label, what the site shows, ours) for every field that differs."""
    if shown is None:
        return [(step.title or step.code, "(ยังไม่ได้บันทึก)", "บันทึกทั้งขั้นตอน")]
    changes = []
    for key, field in step.fields.items():
        if key not in ours or field.kind == "file":
            continue
        if isinstance(field, RowsField):
            theirs = shown.get(key) or []
            for n in range(1, max(len(ours[key]), len(theirs)) + 1):
                mine = ours[key][n - 1] if n <= len(ours[key]) else {}
                site = theirs[n - 1] if n <= len(theirs) else {}
                for column, spec in field.columns.items():
                    if column in mine or column in site:
                        if not same(spec.kind, site.get(column, ""), mine.get(column, "")):
                            changes.append((_label(spec).format(n=n), site.get(column, "") if site else "(ไม่มี)", mine.get(column, "(ไม่มี)")))
        elif isinstance(field, MonthsField):
            for month, text in ours[key].items():
                if not same(field.each, (shown.get(key) or {}).get(month, ""), text):
                    changes.append((_label(field).format(month=month_label(month), key=month), (shown.get(key) or {}).get(month, ""), text))
        elif not same(field.kind, shown.get(key, ""), ours[key]):
            changes.append((_label(field), shown.get(key, ""), ours[key]))
    return changes


# --- what every step gets, laid out for the director (the dry-run page) ---------------------------


def layout(form: Form, steps: dict[str, Values]) -> list[dict]:
    """Each step's values grouped as the site's form groups them: a field's label and value; a
    list's rows under its columns' headers, with the total of money columns; months with their
    total. The preview shows it for every step, also those a browser cannot open before the first
    step is saved."""
    shown = []
    for step in form.steps:
        values = steps.get(step.code, {})
        items = []
        for key, field in step.fields.items():
            if key not in values or getattr(field, "kind", "") == "file":
                continue
            if isinstance(field, RowsField):
                columns = list(field.columns.items())
                rows = [[row.get(column, "") for column, _ in columns] for row in values[key]]
                totals = [_total([row[i] for row in rows]) if spec.kind == "money" else "" for i, (_, spec) in enumerate(columns)]
                items.append({"label": field.title or key, "headers": [_header(_label(spec)) for _, spec in columns], "rows": rows,
                              "totals": totals if any(totals) else None})
            elif isinstance(field, MonthsField):
                months = values[key]
                items.append({"label": _header(_label(field)), "headers": [month_label(m) for m in months],
                              "rows": [list(months.values())], "totals": None, "total": _total(months.values())})
            else:
                items.append({"label": _label(field), "value": values[key]})
        shown.append({"code": step.code, "title": step.title, "items": items})
    return shown


def _header(label: str) -> str:
    """A column's label without its row or month placeholder: "ชื่อตัวชี้วัด (ตัวชี้วัดที่ {n})" → "ชื่อตัวชี้วัด"."""
    text = re.sub(r"\s*\([^()]*\{(n|month|key)\}[^()]*\)", "", label)
    text = re.sub(r"\{(n|month|key)\}", "", text)
    return " ".join(text.split()).rstrip(":").strip()


def _total(texts) -> str:
    try:
        return f"{sum(Decimal(str(t)) for t in texts if str(t).strip()):,.2f}"
    except ArithmeticError:
        return ""
