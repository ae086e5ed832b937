"""Loading and validating config files (YAML). Every error names the file and the key."""
from __future__ import annotations

import importlib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import values
from .intake.evidence import DEFAULT_MAX_BYTES, DEFAULT_TYPES
from .settings import config_dir

Model = TypeVar("Model", bound=BaseModel)
# libyaml's safe loader when PyYAML was built with it (several times faster), else the same rules in Python.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfigError(Exception):
    """A config or data file that cannot be used, with where and why in Thai."""


class Strict(BaseModel):
    """Base of every config schema: unknown keys are typos, not silently ignored."""

    # defer_build: a schema is built when a model first validates, so a command pays only for
    # the files it reads (status reads two; the locators' models wait for a push).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(f"ไม่พบไฟล์ตั้งค่า: {path}")
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" บรรทัด {mark.line + 1} คอลัมน์ {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: อ่าน YAML ไม่ได้ ({getattr(exc, 'problem', exc)})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: ไฟล์ต้องเป็น UTF-8 ({exc})") from exc


def validate(model: type[Model], data: Any, source: Path | str) -> Model:
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, source)) from exc


def describe_errors(exc: ValidationError, source: Path | str) -> str:
    """One Thai line per problem: ``file › key.path: message``."""
    lines = []
    for error in exc.errors():
        # a tagged union's tag (forms.yaml: "scalar", "rows", "months") is not a key of the file
        parts = [str(part) for part in error["loc"] if part not in ("scalar", "rows", "months")]
        key = ".".join(parts) or "(ทั้งไฟล์)"
        lines.append(f"{source} › {key}: {_thai_message(error)}")
    return "\n".join(lines)


_MESSAGES_TH = {
    "missing": "ต้องระบุค่านี้",
    "extra_forbidden": "ไม่รู้จักคีย์นี้ (พิมพ์ผิดหรือไม่?)",
    "int_parsing": "ต้องเป็นจำนวนเต็ม",
    "int_type": "ต้องเป็นจำนวนเต็ม",
    "float_parsing": "ต้องเป็นตัวเลข",
    "decimal_parsing": "ต้องเป็นตัวเลข",
    "string_type": "ต้องเป็นข้อความ",
    "list_type": "ต้องเป็นรายการ (list)",
    "dict_type": "ต้องเป็นชุดคีย์-ค่า (mapping)",
    "model_type": "ต้องเป็นชุดคีย์-ค่า (mapping)",
    "enum": "ค่าไม่อยู่ในรายการที่อนุญาต",
    "literal_error": "ค่าไม่อยู่ในรายการที่อนุญาต",
}


def _thai_message(error: dict) -> str:
    thai = _MESSAGES_TH.get(error["type"])
    detail = error.get("msg", "")
    if error["type"].startswith("value_error") or error["type"] == "assertion_error":
        return detail.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    got = error.get("input")
    shown = f' (ได้ "{got}")' if got is not None and not isinstance(got, (dict, list)) else ""
    return f"{thai or detail}{shown}"


# Values in config files are read by the same rules as what people type into templates
# (core/values.py): "1,234.50", "๑๕", "50%" and BE years mean the same in YAML as in a cell.
Money = Annotated[Decimal, BeforeValidator(lambda raw: values.read_money(raw))]
Number = Annotated[Decimal, BeforeValidator(lambda raw: values.read_number(raw))]
Percent = Annotated[Decimal, BeforeValidator(lambda raw: values.read_percent(raw))]
BEYear = Annotated[int, BeforeValidator(lambda raw: values.read_year(raw))]


def load(model: type[Model], path: Path) -> Model:
    return validate(model, read_yaml(path), path)


# --- The office profile: config/office.yaml ----------------------------------------------


class TargetChoice(Strict):
    version: str  # pinned: a new site version never changes under a user until they edit this


class EvidenceSettings(Strict):
    """Evidence files intake accepts: extension → hex of the bytes the content starts with."""

    types: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_TYPES))
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)

    @field_validator("types")
    @classmethod
    def _hex_prefixes(cls, types: dict[str, str]) -> dict[str, str]:
        for extension, prefix in types.items():
            try:
                if not bytes.fromhex(prefix):
                    raise ValueError
            except ValueError:
                raise ValueError(f'{extension}: ต้องเป็นเลขฐานสิบหกของไบต์แรกของไฟล์ เช่น "25504446" (พบ "{prefix}")') from None
        return {extension.lower().lstrip("."): prefix for extension, prefix in types.items()}


class OfficeProfile(Strict):
    office_code: str
    evaluation_rounds: list[tuple[int, int]] = [(10, 3), (4, 9)]
    progress_due_days: int = 15
    disbursement_targets: dict[str, Percent] = {"Q1": Decimal(38), "Q2": Decimal(61), "Q3": Decimal(81), "Q4": Decimal(100)}
    evidence: EvidenceSettings = EvidenceSettings()
    targets: dict[str, TargetChoice] = {}
    # The memo number's prefix (ที่ in a บันทึกข้อความ), e.g. "ศธ 04999/"; the running number after it
    # is written in when the memo is registered, or given whole with --doc-no.
    document_number_prefix: str = ""


def office_profile(directory: Path | None = None) -> OfficeProfile:
    return load(OfficeProfile, (directory or config_dir()) / "office.yaml")


# --- Locators by logical name: config/targets/<target>/<version>/locators.yaml -----------


class Locator(Strict):
    """How to find one element. Tried in the order written: Thai label first, then role or text."""

    label: str | None = None
    role: str | None = None
    name: str | None = None  # accessible name, with role
    text: str | None = None
    placeholder: str | None = None
    css: str | None = None  # last resort, for elements with no label or role
    # How label, name and text compare with the page: the whole text ("exact", the default: a
    # reworded label is noticed), or its beginning ("prefix": "ความก้าวหน้ากิจกรรมที่ 1:" for a
    # label that goes on with the activity's name). Spaces at the ends never count.
    match: Literal["exact", "prefix"] = "exact"

    @model_validator(mode="after")
    def _has_a_way(self):
        if not any((self.label, self.role, self.text, self.placeholder, self.css)):
            raise ValueError("ต้องระบุอย่างน้อยหนึ่งวิธี: label, role, text, placeholder หรือ css")
        if self.name and not self.role:
            raise ValueError("name ใช้คู่กับ role เท่านั้น")
        return self


class TargetConfig:
    """A target's mapping and form description for the version pinned in the office profile."""

    def __init__(self, target: str, version: str, mapping: BaseModel | dict, forms, folder: Path):
        self.target, self.version, self.mapping, self.forms, self.folder = target, version, mapping, forms, folder


def target_config(spec, profile: OfficeProfile | None = None, directory: Path | None = None) -> TargetConfig:
    """Load and validate ``config/targets/<name>/<version>/mapping.yaml`` and, for a target with
    web pages, its ``forms.yaml`` (core/forms/schema.py)."""
    from .forms.schema import FormsFile

    directory = directory or config_dir()
    profile = profile or office_profile(directory)
    choice = profile.targets.get(spec.name)
    version = choice.version if choice else spec.version
    folder = directory / "targets" / spec.name / version
    if not folder.is_dir():
        available = sorted(p.name for p in folder.parent.glob("*") if p.is_dir())
        raise ConfigError(
            f'{directory / "office.yaml"} › targets.{spec.name}.version: ไม่มีโฟลเดอร์ {folder} '
            f"(รุ่นที่มี: {', '.join(available) or 'ไม่มี'})"
        )
    raw_mapping = read_yaml(folder / "mapping.yaml")
    schema = spec.mapping_schema
    if isinstance(schema, str):
        module, _, name = schema.partition(":")
        schema = getattr(importlib.import_module(module), name)
    mapping = validate(schema, raw_mapping, folder / "mapping.yaml") if schema else raw_mapping
    forms = load(FormsFile, folder / "forms.yaml") if (folder / "forms.yaml").exists() else None
    return TargetConfig(spec.name, version, mapping, forms, folder)
