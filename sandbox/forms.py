"""Form fields described as data (from a stand-in's YAML), read and checked on the server.

Errors are keyed by the input's name and written in Thai; the templates show each one
beside its input. Values are kept as the normalised strings the page shows back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

from . import thai

MSG = {
    "required": "กรุณากรอก{label}",
    "required_select": "กรุณาเลือก{label}",
    "too_long": "{label}ต้องมีความยาวไม่เกิน {max} ตัวอักษร (ขณะนี้ {length} ตัวอักษร)",
    "pattern": "รูปแบบ{label}ไม่ถูกต้อง",
    "thai_digits": "กรุณากรอกตัวเลขอารบิก (0-9) ในช่อง{label}",
    "money": "{label}ต้องเป็นจำนวนเงิน เช่น 1,234.50 (ทศนิยมไม่เกิน 2 ตำแหน่ง)",
    "number": "{label}ต้องเป็นตัวเลข",
    "number_range": "{label}ต้องอยู่ระหว่าง {min} ถึง {max}",
    "date": "{label}ต้องเป็นวันที่รูปแบบ วว/ดด/ปปปป (พ.ศ.) เช่น 01/10/2569",
    "date_fiscal": "{label}ต้องอยู่ในปีงบประมาณ {year} (1 ต.ค. {start} – 30 ก.ย. {year})",
    "choice": "{label}ที่เลือกไม่มีในรายการ",
    "parent": "{label}ไม่สอดคล้องกับ{parent_label}ที่เลือก",
    "min_rows": "กรุณากรอก{label}อย่างน้อย {min} รายการ",
    "date_order": "{end_label}ต้องไม่ก่อน{start_label}",
    "month_order": "{end_label}ต้องไม่ก่อน{start_label}",
    "sum_equals": "ผลรวม{parts_label} ({parts} บาท) ไม่เท่ากับ{total_label} ({total} บาท)",
}


@dataclass
class FormContext:
    """What options and checks depend on: the catalogs and the project's fiscal year."""
    catalogs: Mapping[str, list[dict]] = field(default_factory=dict)
    fiscal_year: int | None = None

    def catalog_items(self, kind: str, parent: str | None = None, filtered: bool = False) -> list[dict]:
        items = self.catalogs.get(kind, [])
        return [i for i in items if i.get("parent") == parent] if filtered else list(items)

    def options(self, spec: Mapping, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        if "catalog" in spec:
            parent = spec.get("parent")
            items = self.catalog_items(spec["catalog"], values.get(parent) if parent else None,
                                       filtered=bool(parent))
            return [(i["code"], f"{i['code']} {i['name']}") for i in items]
        if spec["type"] == "month":
            return thai.fiscal_month_options(self.fiscal_year) if self.fiscal_year else []
        return [(str(o["value"]), str(o["label"])) if isinstance(o, Mapping) else (str(o), str(o))
                for o in spec.get("options", [])]

    def month_keys(self) -> list[tuple[str, str]]:
        return thai.fiscal_month_options(self.fiscal_year) if self.fiscal_year else []


def read_fields(fields: list[Mapping], form: Mapping[str, Any], ctx: FormContext,
                ) -> tuple[dict, dict]:
    """Read and check a list of field specs from a submitted form -> (values, errors)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in fields:  # in order, so a cascading child sees its parent's value
        kind = spec["type"]
        if kind == "rows":
            values[spec["name"]] = _read_rows(spec, form, ctx, values, errors)
        elif kind == "months":
            values[spec["name"]] = _read_months(spec, form, ctx, errors)
        else:
            values[spec["name"]] = _read_scalar(spec, spec["name"], form, ctx, values, errors)
    return values, errors


def run_checks(checks: list[Mapping], fields: list[Mapping], values: Mapping, errors: dict) -> None:
    """Cross-field rules named in the data file: date_order, sum_equals."""
    labels = {f["name"]: f["label"] for f in fields}
    for check in checks or []:
        if check["rule"] == "date_order":
            start, end = (thai.parse_date_be(values.get(check[k]) or "") for k in ("start", "end"))
            if start and end and end < start and check["end"] not in errors:
                errors[check["end"]] = MSG["date_order"].format(
                    start_label=labels[check["start"]], end_label=labels[check["end"]])
        elif check["rule"] == "sum_equals":
            parts, total = _sum_of(values, check["parts"]), _money(values.get(check["total"]))
            if total is None or any(check["parts"].split(".")[0] in k for k in errors):
                continue
            if parts != total:
                errors[check["parts"].split(".")[0]] = check.get("message") or MSG["sum_equals"].format(
                    parts_label=check.get("parts_label", labels.get(check["parts"].split(".")[0], "")),
                    total_label=labels[check["total"]], parts=thai.format_money(parts),
                    total=thai.format_money(total))


def _sum_of(values: Mapping, path: str) -> Decimal:
    name, _, column = path.partition(".")
    value = values.get(name)
    if isinstance(value, list):
        return sum((_money(row.get(column)) or Decimal(0) for row in value), Decimal(0))
    if isinstance(value, Mapping):
        return sum((_money(v) or Decimal(0) for v in value.values()), Decimal(0))
    return Decimal(0)


def _money(text: Any) -> Decimal | None:
    return thai.parse_money(text) if isinstance(text, str) and text else None


def _read_scalar(spec: Mapping, input_name: str, form: Mapping, ctx: FormContext,
                 values: Mapping, errors: dict) -> str:
    raw = form.get(input_name)
    text = raw.strip() if isinstance(raw, str) else ""
    label = spec["label"]
    kind = spec["type"]
    if not text:
        if spec.get("required"):
            choose = kind in ("select", "month") or "catalog" in spec
            errors[input_name] = MSG["required_select" if choose else "required"].format(label=label)
        return ""
    problem = _problem(spec, text, ctx, values)
    if problem:
        errors[input_name] = problem
        return text
    if kind == "money":
        return f"{thai.parse_money(text):.2f}"
    return text


def _problem(spec: Mapping, text: str, ctx: FormContext, values: Mapping) -> str | None:
    label, kind = spec["label"], spec["type"]
    if spec.get("max_length") and len(text) > spec["max_length"]:
        return MSG["too_long"].format(label=label, max=spec["max_length"], length=len(text))
    if kind in ("money", "number", "date_be") and thai.has_thai_digits(text):
        return MSG["thai_digits"].format(label=label)
    if spec.get("pattern") and not re.fullmatch(spec["pattern"], text):
        return spec.get("pattern_message") or MSG["pattern"].format(label=label)
    if kind == "money":
        amount = thai.parse_money(text)
        if amount is None:
            return MSG["money"].format(label=label)
    if kind == "number":
        return _number_problem(spec, text)
    if kind == "date_be":
        return _date_problem(spec, text, ctx)
    if kind in ("select", "month") or "catalog" in spec:
        return _choice_problem(spec, text, ctx, values)
    return None


def _number_problem(spec: Mapping, text: str) -> str | None:
    label = spec["label"]
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return MSG["number"].format(label=label)
    number = Decimal(text)
    low, high = spec.get("min"), spec.get("max")
    if (low is not None and number < Decimal(str(low))) or (high is not None and number > Decimal(str(high))):
        return MSG["number_range"].format(label=label, min=low, max=high)
    return None


def _date_problem(spec: Mapping, text: str, ctx: FormContext) -> str | None:
    label = spec["label"]
    day = thai.parse_date_be(text)
    if day is None:
        return MSG["date"].format(label=label)
    if spec.get("within_fiscal_year") and ctx.fiscal_year:
        first, last = thai.fiscal_year_bounds(ctx.fiscal_year)
        if not first <= day <= last:
            return MSG["date_fiscal"].format(label=label, year=ctx.fiscal_year,
                                             start=ctx.fiscal_year - 1)
    return None


def _choice_problem(spec: Mapping, text: str, ctx: FormContext, values: Mapping) -> str | None:
    label = spec["label"]
    if "catalog" in spec and spec.get("parent"):
        every = {i["code"]: i for i in ctx.catalog_items(spec["catalog"])}
        if text not in every:
            return MSG["choice"].format(label=label)
        if every[text].get("parent") != values.get(spec["parent"]):
            return MSG["parent"].format(label=label, parent_label=spec.get("parent_label", "รายการหลัก"))
        return None
    if text not in {value for value, _ in ctx.options(spec, values)}:
        return MSG["choice"].format(label=label)
    return None


def row_indices(name: str, form: Mapping) -> list[int]:
    pattern = re.compile(rf"^{re.escape(name)}-(\d+)-")
    return sorted({int(m.group(1)) for key in form.keys() if (m := pattern.match(key))})


def _read_rows(spec: Mapping, form: Mapping, ctx: FormContext, values: Mapping,
               errors: dict) -> list[dict]:
    """Repeatable rows named `<name>-<i>-<column>`; wholly empty rows are dropped."""
    rows = []
    for index in row_indices(spec["name"], form):
        prefix = f"{spec['name']}-{index}-"
        if not any(str(form.get(prefix + c["name"], "")).strip() for c in spec["columns"]):
            continue
        position = len(rows)
        renamed = {f"{spec['name']}-{position}-{c['name']}": form.get(prefix + c["name"], "")
                   for c in spec["columns"]}
        row = {}
        for column in spec["columns"]:
            column_spec = dict(column, label=f"{column['label']} ({spec['row_label'].format(n=position + 1)})")
            row[column["name"]] = _read_scalar(column_spec, f"{spec['name']}-{position}-{column['name']}",
                                               renamed, ctx, values, errors)
        _check_row_order(spec, position, row, errors)
        rows.append(row)
    if len(rows) < spec.get("min_rows", 0):
        errors[spec["name"]] = MSG["min_rows"].format(label=spec["label"], min=spec["min_rows"])
    return rows


def _check_row_order(spec: Mapping, position: int, row: dict, errors: dict) -> None:
    for column in spec["columns"]:
        after = column.get("not_before")
        if after and row.get(after) and row.get(column["name"]) and row[column["name"]] < row[after]:
            labels = {c["name"]: c["label"] for c in spec["columns"]}
            errors[f"{spec['name']}-{position}-{column['name']}"] = MSG["month_order"].format(
                start_label=labels[after], end_label=labels[column["name"]])


def _read_months(spec: Mapping, form: Mapping, ctx: FormContext, errors: dict) -> dict:
    """One money input per month of the fiscal year, named `<name>-<BE year>-<MM>`; blank = 0."""
    months = {}
    for key, month_text in ctx.month_keys():
        input_name = f"{spec['name']}-{key}"
        column_spec = {"name": input_name, "type": "money", "label": f"{spec['label']} {month_text}"}
        value = _read_scalar(column_spec, input_name, form, ctx, {}, errors)
        months[key] = value or "0.00"
    return months
