"""How the command line answers a mistake: in Thai, saying what to do, with the README's exit code.

Click's own usage errors (an unknown option or command, a bad or missing value) are rewritten in
Thai here, in one place; ``classify`` maps what a command raised to an exit code and a message.
No traceback reaches a user: an unexpected error is saved to a file that the message names.
Only click is imported at the top: every run loads this module, ``--help`` too.
"""
from __future__ import annotations

import re
import sys

import click

from tidtam.core.errors import BadInput, MachineLacks, Misuse, NoDatabase, NotYet, UserError


class ExitCode:
    """Documented exit codes of ``cli.py`` (README, "Exit codes")."""

    OK = 0
    ERROR = 1  # unexpected failure (a bug: please report it with the message)
    USAGE = 2  # wrong command-line usage (click's own)
    INCOMPLETE = 3  # ran fine, but something is still missing or failed (for scripts)
    BAD_DATA = 4  # a config or data file is wrong (the message names file and key), or a target's credentials are missing, empty or refused
    PLUGIN = 5  # a plugin could not load (strict mode) or a target is unknown
    DATABASE = 6  # the database cannot be reached, is not there (a mistyped --db) or is behind the migrations


# What each kind of problem core reports means for a script that runs the CLI.
EXIT_OF = {NotYet: ExitCode.INCOMPLETE, BadInput: ExitCode.BAD_DATA, Misuse: ExitCode.USAGE,
           NoDatabase: ExitCode.DATABASE, MachineLacks: ExitCode.ERROR}

THAI = re.compile(r"[\u0e00-\u0e7f]")
# click ≥ 8.2 raises this for a group called with no arguments at all; it shows the group's help.
_HELP_INSTEAD = getattr(click.exceptions, "NoArgsIsHelpError", ())


def in_thai(exc: click.UsageError, help_path: str) -> click.UsageError:
    """The error to raise instead of ``exc``: the same in Thai (a help page stays as it is).
    ``help_path`` is the command whose help to read when click did not say which one failed."""
    return exc if isinstance(exc, (ThaiUsageError, _HELP_INSTEAD)) else ThaiUsageError(exc, help_path)


class ThaiUsageError(click.UsageError):
    """A usage error of click (or of a command) shown in Thai, with where to read the usage."""

    def __init__(self, original: click.UsageError, help_path: str):
        super().__init__(thai_usage(original), original.ctx)
        self.help_path = original.ctx.command_path if original.ctx else help_path

    def show(self, file=None) -> None:
        click.secho(self.message, fg="red", err=True)
        if self.ctx is not None:
            pieces = " ".join(self.ctx.command.collect_usage_pieces(self.ctx))
            click.echo(f"วิธีใช้: {self.ctx.command_path} {pieces}", err=True)
        click.echo(f"ดูคำอธิบายตัวเลือก: {self.help_path} --help", err=True)


def thai_usage(exc: click.UsageError) -> str:
    """Thai for one of click's usage errors; a message already in Thai is kept as written."""
    if isinstance(exc, click.NoSuchOption):
        return f"ไม่มีตัวเลือก {exc.option_name}" + _did_you_mean(exc.possibilities)
    if isinstance(exc, click.MissingParameter):
        return f"ต้องระบุ {_hint(exc)}" + _choices(exc.param)
    if isinstance(exc, click.BadParameter):
        return f"ค่าของ {_hint(exc)} ไม่ถูกต้อง: {_value_problem(exc)}"
    return _translated(exc.message) + _did_you_mean(getattr(exc, "possibilities", None))


def _hint(exc: click.BadParameter) -> str:
    """The option or argument as typed: "--period", "--round / --period", "TARGET"."""
    if exc.param_hint is not None:
        hints = [exc.param_hint] if isinstance(exc.param_hint, str) else exc.param_hint
        return " / ".join(hint.strip("'\"") for hint in hints)
    if exc.param is None:
        return "ค่าที่ให้มา"
    return " / ".join(exc.param.opts) if isinstance(exc.param, click.Option) else exc.param.human_readable_name


def _choices(param) -> str:
    if param is not None and isinstance(param.type, click.Choice):
        return f" (เลือกได้: {', '.join(map(str, param.type.choices))})"
    return ""


def _did_you_mean(possibilities) -> str:
    return f" — หมายถึง {' หรือ '.join(sorted(possibilities))} หรือไม่?" if possibilities else ""


def _value_problem(exc: click.BadParameter) -> str:
    if THAI.search(exc.message):
        return exc.message
    value = _quoted_value(exc.message)
    kind = exc.param.type if exc.param is not None else None
    if isinstance(kind, click.Choice):
        return f'"{value}" ไม่มีในตัวเลือก' + _choices(exc.param)
    if isinstance(kind, (click.IntRange, click.FloatRange)) and " is not in the range " in exc.message:
        return f"ต้อง{_range_th(kind)} (ได้ {value})"
    return _translated(exc.message)


def _quoted_value(message: str) -> str:
    found = re.match(r"^'(.*)' is not|^(\S*) is not in the range", message)
    return next((g for g in found.groups() if g is not None), "") if found else ""


def _range_th(kind) -> str:
    low = high = ""
    if kind.min is not None:
        low = f"มากกว่า {kind.min}" if kind.min_open else f"ไม่น้อยกว่า {kind.min}"
    if kind.max is not None:
        high = f"น้อยกว่า {kind.max}" if kind.max_open else f"ไม่เกิน {kind.max}"
    return " และ".join(filter(None, (low, high)))


# Click's English (click/types.py, parser.py, core.py) → Thai; the first pattern that matches wins.
_PATH_KIND = {"file": "ไฟล์", "directory": "โฟลเดอร์", "path": "ไฟล์หรือโฟลเดอร์"}
_CLICK_MESSAGES = [
    (r"'(?P<v>.*)' is not a valid integer\.", '"{v}" ไม่ใช่จำนวนเต็ม'),
    (r"'(?P<v>.*)' is not a valid float\.", '"{v}" ไม่ใช่ตัวเลข'),
    (r"'(?P<v>.*)' is not a valid (?P<what>\w+)\.", '"{v}" ไม่ใช่ค่าแบบ {what}'),
    (r"(?P<kind>\w+) '(?P<v>.*)' does not exist\.", 'ไม่พบ{kind} "{v}" (ตรวจชื่อและที่อยู่)'),
    (r"(?P<kind>\w+) '(?P<v>.*)' is a file\.", '"{v}" เป็นไฟล์ ต้องเป็นโฟลเดอร์'),
    (r"(?P<kind>\w+) '(?P<v>.*)' is a directory\.", '"{v}" เป็นโฟลเดอร์ ต้องเป็นไฟล์'),
    (r"(?P<kind>\w+) '(?P<v>.*)' is not (readable|writable|executable)\.", 'ใช้{kind} "{v}" ไม่ได้ (ไม่มีสิทธิ์)'),
    (r"Option '(?P<v>.*)' requires an argument\.", "ตัวเลือก {v} ต้องมีค่าตามหลัง"),
    (r"Option '(?P<v>.*)' requires (?P<n>\d+) arguments\.", "ตัวเลือก {v} ต้องมีค่าตามหลัง {n} ค่า"),
    (r"Option '(?P<v>.*)' does not take a value\.", "ตัวเลือก {v} ไม่รับค่า (ใส่ {v} อย่างเดียว)"),
    (r"Argument '(?P<v>.*)' takes (?P<n>\d+) values\.", "{v} ต้องมี {n} ค่า"),
    (r"Got unexpected extra arguments? \((?P<v>.*)\)", "มีคำเกินมาที่คำสั่งนี้ไม่รับ: {v}"),
    (r"No such command '(?P<v>.*)'\.", 'ไม่มีคำสั่ง "{v}"'),
    (r"Missing command\.", "ต้องระบุคำสั่งย่อย"),
]


def _translated(message: str) -> str:
    if THAI.search(message):
        return message
    for pattern, thai in _CLICK_MESSAGES:
        found = re.fullmatch(pattern, message.strip(), flags=re.DOTALL)
        if found:
            fields = found.groupdict()
            if "kind" in fields:
                fields["kind"] = _PATH_KIND.get(fields["kind"].lower(), "ไฟล์")
            return thai.format(**fields)
    return f"ใช้คำสั่งไม่ถูกต้อง ({message})"


# --- what a command raised → exit code and message ------------------------------------------


def classify(exc: Exception, app, steps=None) -> tuple[int, str]:
    """The exit code and Thai message of an exception that left a command; ``app`` is the run's
    ``App``, or None when the group failed before making it; ``steps`` (``cli_kit.Steps``) are the
    commands of the running flow, to name the one that comes next."""
    if isinstance(exc, UserError):
        step = getattr(steps, exc.next_step, None) if exc.next_step else None
        code = next((c for kind, c in EXIT_OF.items() if isinstance(exc, kind)), ExitCode.BAD_DATA)
        return code, str(exc) + (f"\nต่อไป: python cli.py {step}" if step else "")
    if _is(exc, "tidtam.core.config", "ConfigError"):
        return ExitCode.BAD_DATA, f"ข้อมูลหรือไฟล์ตั้งค่าไม่ถูกต้อง:\n{exc}"
    if _is(exc, "tidtam.core.plugins", "PluginLoadError"):
        return ExitCode.PLUGIN, str(exc)
    if _is(exc, "sqlalchemy.exc", "SQLAlchemyError"):
        from tidtam.core.db import driver_message

        return ExitCode.DATABASE, app.why_database_failed(exc) if app else f"ใช้ฐานข้อมูลไม่ได้: {driver_message(exc)}"
    return ExitCode.ERROR, unexpected(exc)


def _is(exc: Exception, module: str, name: str) -> bool:
    """isinstance against a class of ``module`` without importing it: an error of a module that
    was never loaded cannot have been raised."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(exc, getattr(loaded, name))


def unexpected(exc: Exception) -> str:
    """A bug: the Thai message names the error and the file that keeps its traceback for a report."""
    import traceback
    from datetime import datetime

    from tidtam.core.settings import data_dir

    text = "".join(traceback.format_exception(exc))
    try:
        folder = data_dir() / "errors"
        folder.mkdir(parents=True, exist_ok=True)
        saved = folder / f"{datetime.now():%Y%m%d-%H%M%S-%f}.txt"
        saved.write_text(f"{' '.join(sys.argv)}\n\n{text}", encoding="utf-8")
        where = f"รายละเอียดอยู่ในไฟล์ {saved}"
    except OSError:
        where = "บันทึกรายละเอียดลงไฟล์ไม่ได้"
    return (f"เกิดข้อผิดพลาดที่ไม่คาดคิด: {type(exc).__name__}: {exc}\n"
            f"{where} — โปรดแจ้งผู้ดูแลพร้อมข้อความนี้และไฟล์นั้น")
