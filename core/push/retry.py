"""Retries: reads and page loads are retried freely; an action never is (see run.py)."""
from __future__ import annotations

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from ..contract import LookupUnavailable, RemoteError, RemoteRefused

READ_ATTEMPTS = 8
# Playwright's and httpx's timeouts and network errors, named so core imports neither.
_TRANSIENT = {"TimeoutError", "ReadTimeout", "ConnectTimeout", "ConnectError", "RemoteProtocolError",
              "ReadError", "PoolTimeout", "WriteTimeout", "WriteError"}


def retryable(exc: BaseException) -> bool:
    if isinstance(exc, (RemoteRefused, LookupUnavailable)):
        return False  # the site answered "no", or there is nothing to ask: the same again
    # Any Playwright error in a read (aborted navigation, closed target...) is worth a new try.
    return isinstance(exc, RemoteError) or type(exc).__name__ in _TRANSIENT \
        or type(exc).__module__.startswith("playwright")


async def read(fn, *args, attempts: int = READ_ATTEMPTS, **kwargs):
    """Await ``fn(*args, **kwargs)``, again on doubt (timeouts, 500s, expired sessions)."""
    retrying = AsyncRetrying(stop=stop_after_attempt(attempts), wait=wait_exponential(multiplier=0.1, max=2),
                             retry=retry_if_exception(retryable), reraise=True)
    async for attempt in retrying:
        with attempt:
            return await fn(*args, **kwargs)
