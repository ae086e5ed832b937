"""Helpers for the E-MES push tests: the demo office (with its E-MES frame of points and round-1
results) in a database, evidence files attached through core/evidence.py, and the target wired
to a stand-in through a copy of config/ (base_url points at the stand-in)."""
from __future__ import annotations

import io
import random
import shutil
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from tidtam.core.config import office_profile, target_config
from tidtam.core.credentials import Credentials, Secret
from tidtam.core.evidence import add_evidence
from tidtam.core.models import EmesPoint, EmesResult, Office, Submission, SubmissionState
from tidtam.core.office_data import DEMO_DIR, OfficeFiles, load_catalogs, replace_office
from tidtam.core.periods import parse_period
from tidtam.core.plugins import load_plugins
from tidtam.core.push.run import Options, Target, new_run_dir
from tidtam.core.settings import PACKAGE_ROOT, data_dir
from tidtam.sandbox.site import demo_credentials

R1 = parse_period("2570R1")
# The demo's round-1 results cover 5 of the 14 points (REPORTED); ``complete`` fills the rest, so
# a round can be confirmed (the stand-in confirms only when every point is saved): narrative
# points with a level, the works point 3.1.1 with its five ranked works, each with a report file.
REPORTED = ("1.1.3", "1.2.1", "2.1.2", "2.2.2", "2.3.1")
WORKS = "3.1.1"


def load_demo(db, complete: bool = False, folder: Path | None = None) -> dict[str, str]:
    """The demo office; ``complete``: every point reported. Returns {sha256: point} of the files
    attached here (the works' report files)."""
    with db.session() as session:
        load_catalogs(session, PACKAGE_ROOT / "config" / "catalogs.yaml")
        replace_office(session, OfficeFiles.in_folder(DEMO_DIR))
    if not complete:
        return {}
    with db.session(actor="test") as session:
        for point in points(session):
            if point.code not in REPORTED:
                session.add(EmesResult(point_id=point.id, period=R1.id, level=3 if point.asks_level else None, links=[],
                                       narrative="" if point.kind == "works" else f"ผลการดำเนินงานประเด็น {point.code} {point.text} ดำเนินการตามแผน"))
    folder = folder or Path(data_dir()) / "test-works"
    return {attach_work(db, WORKS, rank, f"ผลงานเด่นที่ {rank}", f"รายงานผลงาน {rank}.pdf", image_bytes("pdf", seed=100 + rank), folder): WORKS
            for rank in range(1, 6)}


def points(session) -> list[EmesPoint]:
    return sorted(session.scalars(select(EmesPoint)), key=lambda p: [int(n) for n in p.code.split(".")])


def result_of(session, code: str) -> EmesResult | None:
    point = next(p for p in points(session) if p.code == code)
    return session.scalars(select(EmesResult).where(EmesResult.point_id == point.id, EmesResult.period == R1.id)).one_or_none()


def attach_work(db, code: str, rank: int, title: str, filename: str, content: bytes, folder: Path,
                video: str | None = None) -> str:
    """Make ``title`` the work of rank ``rank`` of works point ``code``, with its report file."""
    sha = attach(db, code, filename, content, folder)
    with db.session(actor="test") as session:
        result = result_of(session, code)
        works = list(result.works)
        works[rank - 1:rank] = [{"title": title, "video": video or f"https://www.youtube.com/watch?v=work-{rank}",
                                 "file": filename, "sha256": sha}]
        result.works = works
    return sha


def image_bytes(kind: str, size: tuple[int, int] = (320, 200), seed: int = 1, noise: bool = False) -> bytes:
    """A real PNG, JPEG or PDF (Pillow); ``noise`` makes it big and incompressible."""
    from PIL import Image

    rng = random.Random(seed)
    if noise:
        image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    image.save(out, {"png": "PNG", "jpg": "JPEG", "pdf": "PDF"}[kind])
    return out.getvalue()


def attach(db, code: str, filename: str, content: bytes, folder: Path) -> str:
    """Store ``content`` as a file of point ``code``'s round-1 result; returns its sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_bytes(content)
    with db.session(actor="test") as session:
        office = session.scalars(select(Office)).one()
        row = add_evidence(session, office, path, emes_result=result_of(session, code))
        return row.sha256


def config_for(folder: Path, url: str) -> Path:
    """A copy of config/ whose E-MES base_url is the stand-in's."""
    if not folder.exists():
        shutil.copytree(PACKAGE_ROOT / "config", folder)
    mapping = folder / "targets/emes/2026.1/mapping.yaml"
    text = mapping.read_text(encoding="utf-8")
    start = text.index("base_url:")
    end = text.index("\n", start)
    mapping.write_text(text[:start] + f"base_url: {url}" + text[end:], encoding="utf-8")
    return folder


def make_target(db, config_dir: Path, stage: str = "push") -> Target:
    registry = load_plugins()
    spec = registry.target("emes")
    return Target(db, registry.hooks_for(spec.name), spec, target_config(spec, office_profile(config_dir), config_dir), "DEMO01", stage)


def options(kind: str = "push", **changes) -> Options:
    run_dir = new_run_dir(data_dir(), "emes", R1.id, kind)
    return Options(run_dir=run_dir, **{"read_timeout": 10.0, "action_timeout": 20.0, **changes})


def credentials() -> Credentials:
    user, password = demo_credentials()
    return Credentials(user, Secret(password), "environment")


class ThrottledProxy:
    """A TCP proxy in front of a stand-in that forwards what the client sends at ``rate`` bytes a
    second (a slow office line), so a test can kill the client while an upload is on the wire.
    ``upload_bytes`` counts the body bytes of the evidence upload in flight (0 when none is)."""

    def __init__(self, upstream_port: int, rate: int = 1_000_000):
        import asyncio
        import threading

        self.upstream_port, self.rate = upstream_port, rate
        self.upload_bytes, self.uploads_started = 0, 0
        self.writers: set = set()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        import asyncio

        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _handle(self, client_reader, client_writer) -> None:
        import asyncio

        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.close()
            return

        state = {"uploading": False}
        pair = (client_writer, up_writer)
        self.writers.add(pair)

        async def upstream():  # client → site, throttled
            try:
                while chunk := await client_reader.read(16384):
                    if b"POST " in chunk and b"/evidence " in chunk:
                        state["uploading"], self.upload_bytes = True, 0
                        self.uploads_started += 1
                    elif state["uploading"]:
                        self.upload_bytes += len(chunk)
                    up_writer.write(chunk)
                    await up_writer.drain()
                    await asyncio.sleep(len(chunk) / self.rate)  # the line's speed, not a wait for a condition
            except (ConnectionError, OSError):
                pass
            finally:
                up_writer.close()

        async def downstream():  # site → client, as fast as it comes
            try:
                while chunk := await up_reader.read(65536):
                    if chunk.startswith(b"HTTP/1.1") and state["uploading"]:
                        state["uploading"], self.upload_bytes = False, 0
                    client_writer.write(chunk)
                    await client_writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                client_writer.close()
        try:
            await asyncio.gather(upstream(), downstream())
        finally:
            self.writers.discard(pair)

    def cut(self) -> None:
        """The line drops: every connection is aborted at once, whatever was not yet forwarded
        is lost (the site sees a request body cut off in the middle)."""
        import concurrent.futures

        def abort():
            for pair in list(self.writers):
                for writer in pair:
                    writer.transport.abort()
        done = concurrent.futures.Future()
        self.loop.call_soon_threadsafe(lambda: (abort(), done.set_result(True)))
        done.result(5)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def assert_every_point_and_file_once(state: dict, db, shas: dict[str, str]) -> None:
    """The stand-in saved each of the round's 14 points once and holds each file (``shas``:
    sha256 → point) once, and every ledger row is SUBMITTED."""
    saves = Counter(w["target"]["point"] for w in state["writes"] if w["action"] == "point.save")
    assert len(saves) == 14 and set(saves.values()) == {1}, saves
    files = Counter((e["point"], e["sha256"]) for e in state["store"]["evidence"] if not e["deleted"])
    assert files == {(code, sha): 1 for sha, code in shas.items()}
    with db.session() as session:
        assert {row.state for row in session.scalars(select(Submission))} == {SubmissionState.SUBMITTED}
