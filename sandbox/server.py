"""Start and stop the stand-ins: in a thread (fast, for tests of the stand-in itself) or in a
subprocess (for tests that kill the client: the server lives on in its own session).

    with run_in_thread("emenscr", idle_timeout=60) as sb:
        sb.url; sb.admin.state(); sb.admin.set_knobs(fail_rate=1.0)

    with start_subprocess("emes", hang_seconds=5) as sb:
        ...

    with run_in_thread("emenscr", profile="spa", token_ttl=60) as sb:   # Keycloak + JavaScript app
        ...
"""
from __future__ import annotations

import importlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import httpx

APPS = {"emenscr": "tidtam.sandbox.emenscr", "emes": "tidtam.sandbox.emes"}
# Other profiles of a stand-in: the same site reached another way (issue 17).
PROFILES = {("emenscr", "spa"): "tidtam.sandbox.emenscr_spa"}
PROFILE_NAMES = ("classic", "spa")
DEFAULT_PORTS = {"emenscr": 8701, "emes": 8702}
READY = "SANDBOX_READY"


def module_name(app_name: str, profile: str = "classic") -> str:
    if profile == "classic":
        return APPS[app_name]
    if (app_name, profile) not in PROFILES:
        raise ValueError(f"{app_name} has no profile {profile!r}")
    return PROFILES[(app_name, profile)]


def build(app_name: str, data_path: str | Path | None = None, demo_data: bool = True, profile: str = "classic",
          **knobs):
    """The ASGI app of one stand-in in one profile."""
    module = importlib.import_module(module_name(app_name, profile))
    return module.build_app(data_path=data_path, demo_data=demo_data, **knobs)


class Admin:
    """The admin endpoints, for tests and benchmarks (plugins never use them)."""

    def __init__(self, url: str):
        self.url = url

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        response = httpx.request(method, f"{self.url}/__admin/{path}", json=json, timeout=10)
        response.raise_for_status()
        return response.json()

    def state(self) -> dict:
        return self._call("GET", "state")

    def knobs(self) -> dict:
        return self._call("GET", "knobs")

    def set_knobs(self, **changes) -> dict:
        return self._call("POST", "knobs", changes)

    def reset(self) -> dict:
        return self._call("POST", "reset")

    def advance_clock(self, seconds: float) -> dict:
        return self._call("POST", "clock", {"advance_seconds": seconds})

    def expire_sessions(self) -> dict:
        return self._call("POST", "expire-sessions")

    def post(self, path: str, json: Any = None) -> Any:
        """Any stand-in specific admin endpoint, e.g. post("projects/10001/return", {...})."""
        return self._call("POST", path, json)

    def writes(self, action: str | None = None) -> list[dict]:
        return [w for w in self.state()["writes"] if action is None or w["action"] == action]


class SandboxHandle:
    def __init__(self, app_name: str, url: str, stop: Callable[[], None], pid: int | None = None,
                 log_path: str | None = None, profile: str = "classic"):
        self.app_name = app_name
        self.profile = profile
        self.url = url
        self.admin = Admin(url)
        self.pid = pid            # the server process, in subprocess mode
        self.log_path = log_path  # its stderr, in subprocess mode
        self._stop = stop

    def stop(self) -> None:
        self._stop()

    def __enter__(self) -> "SandboxHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def bind_socket(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP, not the default 0: asyncio turns Nagle off (TCP_NODELAY) only on accepted
    # sockets whose protocol says TCP. Without it every answer on a kept-alive connection waited
    # ~40 ms for the client's delayed ACK, a stall no real server adds to its latency.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def wait_until_answers(url: str, timeout: float = 15.0) -> None:
    """Poll the admin endpoint until the server answers (it never injects faults there)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/__admin/knobs", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"sandbox at {url} did not answer within {timeout} s")
        time.sleep(0.05)


def _uvicorn_server(app):
    import uvicorn
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=1)
    return uvicorn.Server(config)


def run_in_thread(app_name: str, port: int = 0, host: str = "127.0.0.1",
                  data_path: str | Path | None = None, demo_data: bool = True, profile: str = "classic",
                  **knobs) -> SandboxHandle:
    """Serve one stand-in from a daemon thread of this process; port 0 picks a free port."""
    server = _uvicorn_server(build(app_name, data_path=data_path, demo_data=demo_data, profile=profile, **knobs))
    sock = bind_socket(host, port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"sandbox-{app_name}")
    thread.start()
    url = f"http://{host}:{sock.getsockname()[1]}"

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

    try:
        wait_until_answers(url)
    except TimeoutError:
        stop()
        raise
    return SandboxHandle(app_name, url, stop, profile=profile)


def knob_args(knobs: dict) -> list[str]:
    args = []
    for name, value in knobs.items():
        if value is not None:
            args += [f"--{name.replace('_', '-')}", str(value)]
    return args


def start_subprocess(app_name: str, port: int = 0, host: str = "127.0.0.1",
                     data_path: str | Path | None = None, demo_data: bool = True,
                     exit_with_parent: bool = True, env: dict | None = None, profile: str = "classic",
                     **knobs) -> SandboxHandle:
    """Serve one stand-in from its own process, in its own session, so killing a client (or its
    process group) leaves it running. With exit_with_parent it ends when this process ends."""
    command = [sys.executable, "-m", "tidtam.sandbox.cli", app_name, "--host", host,
               "--port", str(port)] + knob_args(knobs)
    if profile != "classic":
        command += ["--profile", profile]
    if data_path:
        command += ["--data", str(data_path)]
    if demo_data == "office":
        command.append("--office-projects")
    elif not demo_data:
        command.append("--no-demo-data")
    if exit_with_parent:
        command += ["--exit-with-pid", str(os.getpid())]
    log = tempfile.NamedTemporaryFile(prefix=f"sandbox-{app_name}-", suffix=".log", delete=False)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True,
                               start_new_session=True, env={**os.environ, **(env or {})})
    log.close()

    def stop() -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stdout.close()

    try:
        url = _read_ready_url(process, timeout=20)
        wait_until_answers(url)
    except Exception:
        stop()
        raise
    return SandboxHandle(app_name, url, stop, pid=process.pid, log_path=log.name, profile=profile)


def _read_ready_url(process: subprocess.Popen, timeout: float) -> str:
    """Wait for the child's 'SANDBOX_READY <app> <url>' line on stdout."""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"sandbox process exited with {process.wait()} before it was ready")
            if line.startswith(READY):
                return line.split()[2]
    raise TimeoutError("sandbox process did not report ready in time")


def serve_forever(app_names: list[str], host: str, port: int | None, data_path=None, demo_data=True,
                  exit_with_pid: int | None = None, profile: str = "classic", **knobs) -> None:
    """The CLI's loop: each stand-in in its own thread, ended by SIGTERM, Ctrl-C or the
    watched parent's death. A stand-in without ``profile`` runs its classic one, with the
    shared knobs only."""
    running = []
    for offset, name in enumerate(app_names):
        chosen = DEFAULT_PORTS[name] if port is None else (port + offset if port else 0)
        sock = bind_socket(host, chosen)
        own = profile if (name, profile) in PROFILES else "classic"
        server = _uvicorn_server(build(name, data_path=data_path, demo_data=demo_data, profile=own,
                                       **(knobs if own != "classic" else shared_knobs(knobs))))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        url = f"http://{host}:{sock.getsockname()[1]}"
        running.append((server, thread, sock))
        wait_until_answers(url)
        print(f"{READY} {name} {url}", flush=True)
    stop = threading.Event()
    is_parent = exit_with_pid is not None and exit_with_pid == os.getppid()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(timeout=1.0):
            if exit_with_pid and not _alive(exit_with_pid, is_parent):
                break
    except KeyboardInterrupt:
        pass
    for server, _, _ in running:
        server.should_exit = True
    for _, thread, sock in running:
        thread.join(timeout=10)
        sock.close()


def shared_knobs(knobs: dict) -> dict:
    """The knobs every profile has (a profile's own ones left out)."""
    from dataclasses import fields

    from .knobs import Knobs

    names = {f.name for f in fields(Knobs)}
    return {name: value for name, value in knobs.items() if name in names}


def _alive(pid: int, is_parent: bool) -> bool:
    if is_parent:  # an orphan is re-parented, even while the dead parent is still a zombie
        return os.getppid() == pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
