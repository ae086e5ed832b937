"""The architecture's boundaries hold: the import-linter contracts in pyproject.toml pass, and
the checker does catch a broken one (so a green run means something)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", *args], cwd=ROOT, capture_output=True, text=True)


def test_the_import_contracts_of_pyproject_are_kept():
    done = lint_imports()
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"Contracts: 4 kept, 0 broken", done.stdout), done.stdout


def test_the_checker_sees_a_broken_contract(tmp_path):
    """The CLI does import core: a contract forbidding it must fail, or the check proves nothing."""
    config = tmp_path / "broken.ini"
    config.write_text("[importlinter]\nroot_package = tidtam\n\n"
                      "[importlinter:contract:cli-without-core]\nname = the CLI imports no core\n"
                      "type = forbidden\nsource_modules = tidtam.cli\nforbidden_modules = tidtam.core\n")
    done = lint_imports("--config", str(config))
    assert done.returncode != 0 and "BROKEN" in done.stdout


def test_cli_names_no_target():
    """Target names reach the CLI from the plugins' registrations, never from its own source."""
    for name in ("cli.py", "cli_kit.py", "cli_errors.py"):
        source = (ROOT / name).read_text(encoding="utf-8")
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
        found = re.findall(r"[\"'](emenscr|emes|inspection)[\"']", code)
        assert not found, f"{name} names targets {found}"


def test_core_intake_reports_and_status_name_no_target():
    """Intake kinds and report parts come from the plugins (hooks register_intake and
    annual_report_sections): core's intake, reports and status name no target, neither in a
    string nor in an identifier (comments may). Model classes stay domain data in core/models."""
    import io
    import tokenize

    targets = {"emes", "emenscr", "inspection"}
    files = [*sorted((ROOT / "core/intake").glob("*.py")), *sorted((ROOT / "core/reports").glob("*.py")), ROOT / "core/status.py"]
    found = []
    for path in files:
        for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if token.type == tokenize.NAME:
                words = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", token.string)}
            elif token.type == tokenize.STRING:
                words = {w.lower().replace("-", "") for w in re.findall(r"\b(?:e-?mes|emenscr|inspection)\b", token.string, flags=re.I)}
            else:
                continue
            if words & targets:
                found.append(f"{path.relative_to(ROOT)}:{token.start[0]} {token.string[:60]}")
    assert not found, "core names targets:\n" + "\n".join(found)
