"""docs/writing-a-plugin.md followed as written: its code blocks become a third-party plugin
installed by entry point, which adds a target and a command without touching core or the CLI,
and the commands of its step 4 run the target through the one engine exactly once."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from tidtam.core.settings import PACKAGE_ROOT

GUIDE = (PACKAGE_ROOT / "docs" / "writing-a-plugin.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE, flags=re.S)


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """The guide's module and entry point laid out as pip installs them, its mapping.yaml in a
    copy of config/, and a database holding the demo office."""
    from tidtam.core.db import Database
    from tidtam.core.office_data import DEMO_DIR, OfficeFiles, load_catalogs, replace_office

    [module] = blocks("python")
    [entry_points] = blocks("toml")
    name, target = re.search(r"^(\w+) = \"(\w+)\"$", entry_points, flags=re.M).groups()
    site = tmp_path / "site"
    info = site / "tidtam_file_drop-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tidtam-file-drop\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[tidtam]\n{name} = {target}\n")
    (site / f"{target}.py").write_text(module, encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv("TIDTAM_PLUGINS")  # as on an office's machine: every installed plugin loads

    config = tmp_path / "config"
    shutil.copytree(PACKAGE_ROOT / "config", config)
    [mapping] = blocks("yaml")
    drop = tmp_path / "drop"
    (config / "targets/file_drop/1").mkdir(parents=True)
    (config / "targets/file_drop/1/mapping.yaml").write_text(mapping.replace("~/tidtam-drop", str(drop)), encoding="utf-8")
    monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(config))
    monkeypatch.setenv("TIDTAM_DATA_DIR", str(tmp_path / "data"))

    url = f"sqlite:///{tmp_path / 'office.sqlite'}"
    database = Database(url)
    database.upgrade()
    with database.session() as session:
        load_catalogs(session, config / "catalogs.yaml")
        replace_office(session, OfficeFiles.in_folder(DEMO_DIR))
    database.dispose()
    return url, drop


def cli(url: str, *args: str):
    from tidtam.cli import main

    return CliRunner().invoke(main, ["--db", url, *args])


def test_the_guide_s_plugin_adds_a_target_and_a_command(installed):
    url, drop = installed
    listed = cli(url, "plugins", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert "file_drop" in rows, rows
    row = rows["file_drop"]
    assert row["origin"] == "entry point: tidtam-file-drop 0.1.0" and not row.get("error")
    assert row["targets"][0]["name"] == "file_drop"
    helped = cli(url, "--help")
    assert "drop-folder" in helped.output
    shown = cli(url, "drop-folder")
    assert shown.exit_code == 0 and str(drop) in shown.output


def test_the_guide_s_commands_push_each_file_exactly_once(installed):
    url, drop = installed
    dry = cli(url, "push", "file_drop", "--period", "2570Q1", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert not drop.exists() or not any(drop.iterdir())  # a dry-run writes nothing
    assert cli(url, "approve", "file_drop", "--period", "2570Q1", "--by", "ผู้อำนวยการ").exit_code == 0
    pushed = cli(url, "push", "file_drop", "--period", "2570Q1")
    assert pushed.exit_code == 0, pushed.output
    files = sorted(drop.glob("2570Q1-*.json"))
    assert files and not list(drop.glob("*.part"))
    first = {f.name: f.stat().st_mtime_ns for f in files}
    assert json.loads(files[0].read_text(encoding="utf-8"))["period"] == "2570Q1"

    again = cli(url, "push", "file_drop", "--period", "2570Q1")
    assert again.exit_code == 0, again.output
    assert {f.name: f.stat().st_mtime_ns for f in drop.glob("2570Q1-*.json")} == first  # nothing written twice
    report = cli(url, "report", "file_drop", "--period", "2570Q1")
    assert report.exit_code == 0, report.output


def test_wrong_period_kind_is_refused_by_the_spec(installed):
    url, _ = installed
    refused = cli(url, "push", "file_drop", "--period", "2570R1", "--dry-run")
    assert refused.exit_code == 2 and "file_drop" in refused.output
