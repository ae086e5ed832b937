"""What core raises when a person must act: a Thai message and the kind of problem, never an exit
code or a command line. The CLI (``cli_errors.py``) maps each kind to its documented exit code
and says how to take the ``next_step`` with the command that is running."""
from __future__ import annotations


class UserError(Exception):
    """A problem a person can fix: the message says what is wrong and what to do, in Thai.

    ``next_step`` names the step that comes next when there is one ("dry_run", "approve",
    "push", "doctor"); the CLI turns it into the command to type."""

    def __init__(self, message: str, next_step: str | None = None):
        super().__init__(message)
        self.next_step = next_step

    def __reduce__(self):  # picklable with its subclass and its step
        return (type(self), (str(self), self.next_step))


class BadInput(UserError):
    """A data or config file, a credential or a value given is wrong (the message names which)."""


class NotYet(UserError):
    """Something must happen first, or work is left to finish: a later run goes on."""


class Misuse(UserError):
    """A command asked for something that cannot be (an unknown mode, a step a target lacks)."""


class NoDatabase(UserError):
    """The database cannot be reached, is not there, or is behind the migrations."""


class MachineLacks(UserError):
    """This machine lacks something installed (a Thai font, a program): the message says what."""
