"""Misbehaviour knobs: set at start, changed while running through the admin endpoint."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields


class KnobError(ValueError):
    pass


@dataclass
class Knobs:
    latency_ms: int = 0          # added to every site request
    fail_rate: float = 0.0       # share of site requests answered with HTTP 500
    fail_phase: str = "before"   # "before": nothing is done; "after": the request is applied, then 500
    fail_only: str = ""          # if set, only requests whose "METHOD /path" starts with it may fail
    hang_rate: float = 0.0       # share of site requests that hang for hang_seconds, then are applied
    hang_seconds: float = 30.0
    hang_only: str = ""          # if set, only requests whose "METHOD /path" starts with it may hang
    drop_rate: float = 0.0       # share of site requests applied in full, then the line drops: no answer at all
    drop_only: str = ""          # if set, only requests whose "METHOD /path" starts with it may be dropped
    expire_every: int = 0        # the Nth request of a logged-in session finds it expired; 0 = never
    idle_timeout: float = 900.0  # seconds without a request before a session expires
    seed: int | None = None      # seeds the dice for fail/hang/drop, for repeatable runs

    def as_dict(self) -> dict:
        return asdict(self)

    def update(self, changes: dict) -> None:
        """Apply changes all-or-nothing; unknown names and bad values raise KnobError."""
        checked = {name: self._checked(name, value) for name, value in changes.items()}
        for name, value in checked.items():
            setattr(self, name, value)

    def _checked(self, name: str, value):
        known = {f.name for f in fields(self)}
        if name not in known:
            raise KnobError(f"unknown knob {name!r}; known: {sorted(known)}")
        if name == "seed":
            return None if value is None else int(value)
        if name in ("hang_only", "drop_only", "fail_only"):
            return str(value)
        if name == "fail_phase":
            if value not in ("before", "after"):
                raise KnobError("fail_phase must be 'before' or 'after'")
            return value
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise KnobError(f"{name} must be a number, got {value!r}") from None
        if name in ("fail_rate", "hang_rate", "drop_rate") and not 0.0 <= number <= 1.0:
            raise KnobError(f"{name} must be between 0 and 1")
        if number < 0:
            raise KnobError(f"{name} must not be negative")
        if name in ("latency_ms", "expire_every"):
            return int(number)
        return number


@dataclass
class SpaKnobs(Knobs):
    """The Keycloak/JavaScript profile's own knobs, on top of the shared ones."""

    token_ttl: float = 300.0       # seconds an access token lives (Keycloak's default: 5 minutes)
    refresh_ttl: float = 1800.0    # seconds a refresh token lives (Keycloak's SSO idle default: 30 minutes)
    login_language: str = "th"     # the sign-in page's labels: "th" or "en"
    token_storage: str = "session" # where the app keeps its tokens: "session" (sessionStorage) or "local"
    options_delay_ms: int = 150    # every option list answers this late, after the form is drawn

    CHOICES = {"login_language": ("th", "en"), "token_storage": ("session", "local")}

    def _checked(self, name: str, value):
        if name in self.CHOICES:
            if value not in self.CHOICES[name]:
                raise KnobError(f"{name} must be one of {', '.join(self.CHOICES[name])}")
            return value
        number = super()._checked(name, value)
        if name in ("token_ttl", "refresh_ttl") and number <= 0:
            raise KnobError(f"{name} must be more than 0")
        return int(number) if name == "options_delay_ms" else number
