"""Config files are validated on load; every error names the file and the key."""
from __future__ import annotations

import shutil

import pytest

from tidtam.core import config as cfg
from tidtam.core.calendar import load_calendar
from tidtam.core.credentials import CredentialsMissing, Secret, get_credentials
from tidtam.core.plugins import load_plugins
from tidtam.core.settings import PACKAGE_ROOT


@pytest.fixture
def config_copy(tmp_path, monkeypatch):
    folder = tmp_path / "config"
    shutil.copytree(PACKAGE_ROOT / "config", folder)
    monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(folder))
    return folder


def test_shipped_config_of_every_builtin_target_is_valid():
    registry = load_plugins()
    for spec in registry.targets.values():
        loaded = cfg.target_config(spec)
        assert loaded.version == "2026.1"
        assert loaded.mapping is not None


def test_unknown_key_is_named_with_its_file(config_copy):
    path = config_copy / "office.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nprogres_due_days: 10\n", encoding="utf-8")
    with pytest.raises(cfg.ConfigError) as err:
        cfg.office_profile()
    assert f"{path} › progres_due_days: ไม่รู้จักคีย์นี้" in str(err.value)


def test_wrong_type_deep_in_a_mapping_names_the_key_path(config_copy):
    spec = load_plugins().target("emenscr")
    path = config_copy / "targets/emenscr/2026.1/mapping.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("saved_mark:", "saved_mrk:"), encoding="utf-8")
    with pytest.raises(cfg.ConfigError, match=r"mapping\.yaml › entry\.saved_mrk"):
        cfg.target_config(spec)


def test_locator_without_any_strategy_is_refused(config_copy):
    spec = load_plugins().target("emenscr")
    path = config_copy / "targets/emenscr/2026.1/forms.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("search: {label: ค้นหา (รหัสโครงการหรือชื่อโครงการ)}", "search: {}"), encoding="utf-8")
    with pytest.raises(cfg.ConfigError, match=r"forms\.yaml › pages\.projects\.elements\.search: ต้องระบุอย่างน้อยหนึ่งวิธี"):
        cfg.target_config(spec)


def test_a_field_of_an_unknown_kind_names_its_key_in_forms_yaml(config_copy):
    spec = load_plugins().target("emenscr")
    path = config_copy / "targets/emenscr/2026.1/forms.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: date_be, required: true, value: {derive: first_day_be",
                                                             "kind: date, required: true, value: {derive: first_day_be"), encoding="utf-8")
    with pytest.raises(cfg.ConfigError, match=r"forms\.yaml › forms\.project_entry\.steps\.0\.fields\.start_date\.kind: ค่าไม่อยู่ในรายการ"):
        cfg.target_config(spec)


def test_pinned_version_without_its_folder_says_which_versions_exist(config_copy):
    spec = load_plugins().target("emes")
    path = config_copy / "office.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('emes: {version: "2026.1"}', 'emes: {version: "2030.9"}'), encoding="utf-8")
    with pytest.raises(cfg.ConfigError, match=r"targets\.emes\.version: .*รุ่นที่มี: 2026\.1"):
        cfg.target_config(spec)


def test_broken_yaml_names_line_and_column(config_copy):
    path = config_copy / "calendar.yaml"
    path.write_text("processes:\n  - code: [1.1\n", encoding="utf-8")
    with pytest.raises(cfg.ConfigError, match=r"calendar\.yaml บรรทัด \d+ คอลัมน์ \d+"):
        load_calendar()


def test_calendar_deadline_needs_exactly_one_rule(config_copy):
    path = config_copy / "calendar.yaml"
    text = path.read_text(encoding="utf-8").replace("{days_after_period_end: 15}", "{days_after_period_end: 15, by_number: {1: '01-15'}}")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(cfg.ConfigError, match=r"processes\.1\.deadline: ระบุ days_after_period_end หรือ by_number"):
        load_calendar()


def _secret_like_values(node, path=""):
    """Yield key paths whose key sounds like a secret and whose value is a plain string."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}"
            if any(word in str(key).lower() for word in ("pass", "secret", "token", "รหัสผ่าน")) and isinstance(value, str):
                yield here
            yield from _secret_like_values(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _secret_like_values(value, f"{path}.{index}")


def test_no_secret_in_any_shipped_config_file():
    found = [f"{path}{key}" for path in (PACKAGE_ROOT / "config").rglob("*.yaml") for key in _secret_like_values(cfg.read_yaml(path))]
    assert found == []
    assert list(_secret_like_values({"smtp": {"password": "x"}})) == [".smtp.password"]  # the check itself bites


def test_credentials_come_from_environment_and_never_print(monkeypatch):
    monkeypatch.setenv("TIDTAM_EMENSCR_USERNAME", "director01")
    monkeypatch.setenv("TIDTAM_EMENSCR_PASSWORD", "s3cret-Pass")
    creds = get_credentials("emenscr")
    assert creds.username == "director01" and creds.source == "environment"
    assert creds.password.reveal() == "s3cret-Pass"
    assert "s3cret" not in repr(creds) and "s3cret" not in str(creds.password)


def test_credentials_prompt_hides_the_password(monkeypatch):
    asked = []

    def prompt(label, hide_input):
        asked.append((label, hide_input))
        return "someone" if not hide_input else "typed-pass"

    creds = get_credentials("emes", prompt=prompt)
    assert creds.source == "prompt" and creds.password == Secret("typed-pass")
    assert [hidden for _, hidden in asked] == [False, True]


def test_refused_credentials_are_fixed_where_they_came_from():
    from tidtam.core.credentials import Credentials, where_to_fix

    said = {source: where_to_fix("emes", Credentials("director01", Secret("x"), source))
            for source in ("keyring", "environment", "prompt")}
    assert said["keyring"] == "แก้รหัสผ่านของ director01 ใน keyring (บริการ tidtam:emes)"
    assert said["environment"] == "แก้ค่าในตัวแปร TIDTAM_EMES_USERNAME / TIDTAM_EMES_PASSWORD"
    assert "พิมพ์ชื่อผู้ใช้และรหัสผ่านให้ถูก" in said["prompt"]


def test_missing_credentials_say_where_to_put_them():
    with pytest.raises(CredentialsMissing, match="TIDTAM_EMENSCR_PASSWORD"):
        get_credentials("emenscr")
