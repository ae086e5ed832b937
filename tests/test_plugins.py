"""Plugin loading: entry points, the built-in fallback, broken plugins, allow-list, strict mode."""
from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from tidtam.core.plugins import PluginLoadError, load_plugins

BUILTINS = {"emenscr", "emes", "inspection"}


def _install_dist(root, dist: str, entry_points: dict[str, str], modules: dict[str, str]):
    """Lay out an installed distribution (dist-info + modules) in ``root``, as pip would."""
    info = root / f"{dist}-1.2.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    lines = "\n".join(f"{name} = {target}" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[tidtam]\n{lines}\n")
    for name, source in modules.items():
        (root / f"{name}.py").write_text(textwrap.dedent(source))


GOOD_PLUGIN = """
    from tidtam.core.contract import TargetSpec
    from tidtam.core.hookspecs import hookimpl

    __version__ = "9.9"

    @hookimpl
    def register_targets(register):
        register(TargetSpec(name="school_portal", title="ระบบทดสอบ", version="1", modes=("http",)))
"""


@pytest.fixture
def third_party(tmp_path, monkeypatch):
    root = tmp_path / "site"
    _install_dist(
        root, "tidtam_sample",
        {"sample": "tidtam_sample_plugin", "broken": "tidtam_broken_plugin"},
        {"tidtam_sample_plugin": GOOD_PLUGIN, "tidtam_broken_plugin": "raise ImportError('no such thing')\n"},
    )
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setenv("TIDTAM_PLUGINS", "emenscr,emes,inspection,sample,broken")
    return root


def test_builtins_register_their_targets():
    registry = load_plugins()
    assert BUILTINS <= {p.name for p in registry.plugins}
    assert set(registry.targets) == BUILTINS
    assert registry.target("emenscr").modes == ("browser", "http")
    assert not registry.broken


def test_third_party_entry_point_loads_and_broken_one_is_skipped(third_party, capsys):
    registry = load_plugins()
    by_name = {p.name: p for p in registry.plugins}
    assert by_name["sample"].version == "9.9"
    assert by_name["sample"].origin == "entry point: tidtam_sample 1.2.3"
    assert registry.target_owner["school_portal"] == "sample"
    assert "no such thing" in by_name["broken"].error
    assert "broken" in capsys.readouterr().err
    assert BUILTINS <= set(registry.targets)  # the others still loaded


def test_strict_mode_makes_a_broken_plugin_fatal(third_party, monkeypatch):
    monkeypatch.setenv("TIDTAM_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match="broken"):
        load_plugins()


def test_allow_list_limits_what_loads(third_party, monkeypatch):
    monkeypatch.setenv("TIDTAM_PLUGINS", "sample")
    registry = load_plugins()
    assert [p.name for p in registry.plugins] == ["sample"]
    assert set(registry.targets) == {"school_portal"}


def test_a_second_plugin_cannot_take_a_target_name(tmp_path, monkeypatch, capsys):
    clash = GOOD_PLUGIN.replace('name="school_portal"', 'name="emenscr"')
    _install_dist(tmp_path / "site", "tidtam_clash", {"clash": "tidtam_clash_plugin"}, {"tidtam_clash_plugin": clash})
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("TIDTAM_PLUGINS", "emenscr,clash")
    registry = load_plugins()
    assert registry.target_owner["emenscr"] == "emenscr"
    assert "emenscr" in {p.name: p for p in registry.plugins}["clash"].error


def test_the_cli_takes_the_period_kinds_a_target_declares(tmp_path, monkeypatch):
    """push refuses a quarter for a target that declares rounds only: the rule is the plugin's
    TargetSpec.period_kinds, not a list of target names in the CLI."""
    from tidtam.cli import main

    rounds_only = GOOD_PLUGIN.replace('modes=("http",)', 'modes=("http",), period_kinds=("R",)')
    _install_dist(tmp_path / "site", "tidtam_rounds", {"rounds": "tidtam_rounds_plugin"}, {"tidtam_rounds_plugin": rounds_only})
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("TIDTAM_PLUGINS", "rounds")
    result = CliRunner().invoke(main, ["push", "school_portal", "--period", "2570Q1"])
    assert result.exit_code == 2, result.output
    assert "school_portal รับเฉพาะรอบการประเมิน เช่น 2570R1 (ได้ 2570Q1)" in result.output


def test_unknown_target_names_the_known_ones():
    with pytest.raises(PluginLoadError, match="emenscr"):
        load_plugins().target("emensrc")


def test_plugins_command_lists_name_version_hooks_origin(third_party):
    from tidtam.cli import main

    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["sample"]["hooks"] == ["register_targets"]
    assert rows["sample"]["targets"][0]["name"] == "school_portal"
    assert rows["broken"]["error"].startswith("โหลดปลั๊กอิน")
    assert rows["emenscr"]["targets"][0]["form_version"] == "2026.1"


def test_core_imports_no_plugin():
    import subprocess
    import sys

    code = (
        "import sys, tidtam.core.db, tidtam.core.plugins, tidtam.core.status, tidtam.core.office_data;"
        "print([m for m in sys.modules if m.startswith('tidtam.plugins')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
