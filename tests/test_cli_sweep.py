"""Every command and subcommand (lazy ones too), each run with malformed options: the answer is
always Thai, without a traceback, with an exit code from the README's table other than 1.

Each run gets its command's required options with good values and one malformed value, so the
malformed one is what the command meets. Runs go against a database path that does not exist,
then against a migrated database with no office, so nothing a command could do reaches a real
office; the sandbox's servers are replaced by a stand-in that returns at once, so a value the
sandbox accepts ends the command instead of serving forever.
"""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from tidtam.cli import main
from tidtam.cli_errors import THAI

DOCUMENTED_EXCEPT_A_BUG = {0, 2, 3, 4, 5, 6}
MALFORMED = ["", "   ", "-1", "2570X9", "abc", "nan"]
GOOD_TARGET = {"confirm": "emes"}  # the one target with a "confirm" stage; others take any
RETURNED_WORKBOOK = "returned.xlsx"  # made in the test's folder; not a workbook, as a typo'd file may be


def walk(group: click.Group, path: tuple[str, ...] = ()):
    """(path, command) for the group itself and every command under it, lazy ones included."""
    yield path, group
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from walk(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = list(walk(main))


def takes_a_value(param: click.Parameter) -> bool:
    return isinstance(param, click.Argument) or not (param.is_flag or param.count)


def good_value(path: tuple[str, ...], param: click.Parameter) -> str:
    if isinstance(param.type, click.Choice):
        return str(param.type.choices[0])
    if "--round" in param.opts:
        return "2570R1"
    if param.name == "target":
        return GOOD_TARGET.get(path[-1], "emenscr")
    return {"period": "2570Q1", "fy": "2570", "by": "ผู้ทดสอบ", "paths": RETURNED_WORKBOOK}.get(param.name, "x")


def argv_for(path, command, bad: click.Parameter | None = None, value: str = "") -> list[str]:
    """The command's required options and arguments with good values, ``bad`` given ``value``."""
    argv = []
    for param in command.params:
        if param is not bad and not param.required:
            continue
        given = value if param is bad else good_value(path, param)
        argv += [given] if isinstance(param, click.Argument) else [param.opts[0], given]
    return argv


def malformed_runs(path, command):
    """argv lists, each with one malformed thing: an unknown option, or one bad value."""
    yield [*path, *argv_for(path, command), "--no-such-option"]
    for param in filter(takes_a_value, command.params):
        for value in MALFORMED:
            yield [*path, *argv_for(path, command, param, value)]


@pytest.fixture(scope="module")
def office_less_db(tmp_path_factory):
    """A migrated database holding no office."""
    from tidtam.core.db import Database

    url = f"sqlite:///{tmp_path_factory.mktemp('empty') / 'tidtam.sqlite'}"
    database = Database(url)
    database.upgrade()
    database.dispose()
    return url


@pytest.fixture
def no_servers(monkeypatch):
    import tidtam.sandbox.mail
    import tidtam.sandbox.server

    started = []
    monkeypatch.setattr(tidtam.sandbox.server, "serve_forever", lambda *args, **kwargs: started.append(args))
    monkeypatch.setattr(tidtam.sandbox.mail, "main", click.Command("mail", callback=lambda: started.append("mail")))
    return started


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) or "(main)" for p, _ in COMMANDS])
def test_malformed_options_get_a_thai_answer_and_a_documented_exit_code(
        path, command, office_less_db, tmp_path, monkeypatch, no_servers):
    monkeypatch.chdir(tmp_path)  # a command that takes a malformed --out as a folder writes it here
    (tmp_path / RETURNED_WORKBOOK).write_bytes(b"not a workbook")
    wrong = []
    for database in (str(tmp_path / "no" / "such" / "tidtam.sqlite"), office_less_db):
        for argv in malformed_runs(path, command):
            if not path:  # the group's own options, before a command that needs them
                argv = [*argv, "status", "--period", "2570Q1"]
            result = CliRunner().invoke(main, ["--db", database, *argv], catch_exceptions=True)
            problem = _problem(result)
            if problem:
                wrong.append(f"{' '.join(argv)!r} on {database.rsplit('/', 2)[-2]}: {problem}\n{result.output}")
    assert not wrong, "\n".join(wrong)


def _problem(result) -> str | None:
    if result.exit_code not in DOCUMENTED_EXCEPT_A_BUG:
        return f"exit {result.exit_code}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"exception {result.exception!r}"
    if "Traceback" in result.output:
        return "a traceback"
    if not THAI.search(result.output):
        return "no Thai in the answer"
    return None
