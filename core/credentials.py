"""Credentials for a target: OS keyring, then environment, then a hidden prompt. Never config.

The password is wrapped in ``Secret`` so that printing, logging or repr() of it shows stars.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import BadInput


class Secret:
    """A string that refuses to show itself; ``reveal()`` is the one way out (to fill a field)."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Credentials:
    username: str
    password: Secret
    source: str  # "keyring", "environment" or "prompt": shown to the user, never the value


class CredentialsMissing(BadInput):
    """No usable username/password: nothing found, or a variable set but empty. The message (Thai)
    says where to put them: a configuration error, not "something missing"."""


class Vault:
    """``vault(name)``: the credentials of ``name``, looked up (or asked for) the first time a remote
    needs them and kept for the run; a target that needs none (e-mail without a login) asks nothing."""

    def __init__(self, prompt=None):
        self.prompt, self._found = prompt, {}

    def __call__(self, name: str) -> Credentials:
        if name not in self._found:
            self._found[name] = get_credentials(name, prompt=self.prompt)
        return self._found[name]


def _env_names(target: str) -> tuple[str, str]:
    prefix = f"TIDTAM_{target.upper()}"
    return f"{prefix}_USERNAME", f"{prefix}_PASSWORD"


def keyring_service(target: str) -> str:
    return f"tidtam:{target}"


def get_credentials(target: str, username: str | None = None, prompt=None) -> Credentials:
    """Find the username and password for ``target``.

    ``prompt(label, hide_input)`` is called last, if given (the CLI passes click.prompt); with no
    prompt and nothing found, ``CredentialsMissing`` says every place that was looked at.
    """
    user_var, pass_var = _env_names(target)
    username = username or _from_environment(user_var, "ชื่อผู้ใช้", target)
    if username:
        stored = _from_keyring(target, username)
        if stored is not None:
            return Credentials(username, Secret(stored), "keyring")
        password = _from_environment(pass_var, "รหัสผ่าน", target)
        if password:
            return Credentials(username, Secret(password), "environment")
    if prompt is None:
        raise CredentialsMissing(
            f"ไม่พบชื่อผู้ใช้/รหัสผ่านของ {target}: ตั้งใน keyring (บริการ {keyring_service(target)}) "
            f"หรือตัวแปร {user_var} และ {pass_var} หรือรันในเทอร์มินัลเพื่อพิมพ์รหัสผ่าน"
        )
    username = username or prompt(f"ชื่อผู้ใช้ {target}", hide_input=False)
    password = prompt(f"รหัสผ่าน {target} ของ {username}", hide_input=True)
    return Credentials(username, Secret(password), "prompt")


def _from_environment(variable: str, what: str, target: str) -> str | None:
    """The variable's value; one set to "" or spaces is a mistake (often ``export X=$UNSET``),
    refused rather than taken as "not set" and silently replaced by another source."""
    value = os.environ.get(variable)
    if value is not None and not value.strip():
        raise CredentialsMissing(
            f"ตัวแปร {variable} ตั้งไว้แต่ว่างเปล่า: ใส่{what}ของ {target} ในตัวแปรนี้ "
            f"หรือลบตัวแปรนี้ (unset {variable}) แล้วใช้ keyring (บริการ {keyring_service(target)})"
        )
    return value


def where_to_fix(target: str, credentials: Credentials) -> str:
    """Thai: where the credentials that a site refused came from, so the user fixes that place."""
    user_var, pass_var = _env_names(target)
    if credentials.source == "keyring":
        return f"แก้รหัสผ่านของ {credentials.username} ใน keyring (บริการ {keyring_service(target)})"
    if credentials.source == "environment":
        return f"แก้ค่าในตัวแปร {user_var} / {pass_var}"
    return "รันคำสั่งเดิมอีกครั้งแล้วพิมพ์ชื่อผู้ใช้และรหัสผ่านให้ถูก"


def _from_keyring(target: str, username: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError

        return keyring.get_password(keyring_service(target), username)
    except (ImportError, KeyringError, RuntimeError):
        return None  # no usable backend (a server without a desktop): fall through to env/prompt
