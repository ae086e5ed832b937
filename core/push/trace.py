"""A traced run's trace with what would let someone act as the signed-in user masked.

A Playwright trace keeps every request's headers and cookies, every body and a DOM snapshot of
each page: the session cookie, the CSRF token and a bearer token are all in it, in a zip a user
may attach to a support request. Their values are found where they show (the context's storage,
secret-named headers, cookies, fields and meta tags) and every occurrence in the zip is masked.
"""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

MASK = b"***"
_NAMED = re.compile(r'"name":\s*"([^"]*)",\s*"(?:value|content)":\s*"([^"]*)"')
_SECRET_NAME = re.compile(r"cookie|authorization|csrf|xsrf|token|session|sid", re.I)
_COOKIE_ATTRIBUTES = {"path", "domain", "expires", "max-age", "samesite"}
_LONG_RUN = re.compile(r"[\w\-.~+/]{16,}")
# A token in a JSON or form body (the token endpoint's answer, a refresh request, an authorization
# code): long values only, so a record's own "code" (a project code) stays readable.
_IN_BODY = re.compile(r'"?\b([\w-]*(?:token|verifier|secret)|code)"?\s*[:=]\s*"?([\w\-.~+/]{16,})', re.I)


def storage_secrets(state: dict) -> set[str]:
    """Cookie values and every long run in web storage (tokens, often inside JSON) of a
    ``context.storage_state()``."""
    found = {cookie["value"] for cookie in state.get("cookies", [])}
    for origin in state.get("origins", []):
        for item in origin.get("localStorage", []):
            found.update(_LONG_RUN.findall(item["value"]))
    return found


def _values(header: str):
    """``a=1; Path=/`` gives ``1``; ``Bearer x`` gives ``x``; a bare value gives itself."""
    if "=" not in header:
        yield header.split()[-1] if header.split() else header
        return
    for piece in re.split(r"[;,]\s*", header):
        name, _, value = piece.partition("=")
        if name.strip().lower() not in _COOKIE_ATTRIBUTES:
            yield value


def mask(path: Path, known: set[str]) -> None:
    """Rewrite the trace zip at ``path`` with each secret's every occurrence replaced by ***."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    secrets = set(known)
    for info, data in members:
        text = "" if info.filename.endswith((".jpeg", ".png")) else data.decode("utf-8", "replace")
        secrets.update(value for _, value in _IN_BODY.findall(text))
        for name, value in _NAMED.findall(text):
            if _SECRET_NAME.search(name):
                secrets.update(_values(value))
    needles = sorted({s.encode() for s in secrets if len(s) >= 8}, key=len, reverse=True)
    masked = path.with_suffix(".masking")
    with zipfile.ZipFile(masked, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            if not info.filename.endswith((".jpeg", ".png")):  # pictures hold no header text
                for needle in needles:
                    data = data.replace(needle, MASK)
            out.writestr(info, data)
    os.replace(masked, path)
