"""Stand-in of E-MES: choose fiscal year and round, a page per standard listing its indicators
and their points of consideration (ประเด็นการพิจารณา), a page per point: a narrative point's level
(where the year asks one), narrative and links, or a works point's ranked works (title and
video link per rank), and its files; "confirm the round" locks it until an admin reopens it.

The standards, indicators and points of a year are the tool's own frame file
(``config/emes/frames/<year>.yaml``, or under ``TIDTAM_CONFIG_DIR``): one source of truth.
Saving a point overwrites it; every file upload adds another file.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import thai
from .site import DATA, Site, load_yaml, logged_in, site_of

DEFAULT_DATA = DATA / "emes.yaml"
URL = re.compile(r"https?://[^\s/$.?#][^\s]*")


def frames_dir() -> Path:
    return Path(os.environ.get("TIDTAM_CONFIG_DIR") or Path(__file__).parents[1] / "config") / "emes" / "frames"


class AssessmentStore:
    """Rounds' lock state, saved points per round, evidence (bytes kept apart)."""

    def __init__(self, site: Site):
        self.rounds = {round_key(r["year"], r["round"]): {"year": r["year"], "round": r["round"],
                       "confirmed": False, "confirmations": [], "reopenings": []}
                       for r in site.data["rounds"]}
        self.assessments: dict[str, dict[str, dict]] = {key: {} for key in self.rounds}
        self.evidence: list[dict] = []
        self.files: dict[str, bytes] = {}

    def snapshot(self) -> dict:
        return {"rounds": list(self.rounds.values()), "assessments": self.assessments,
                "evidence": self.evidence}


def round_key(year: int, number: int) -> str:
    return f"{year}-{number}"


def build_app(data_path: Path | str | None = None, demo_data: bool | str = True, **knobs):
    site = Site("emes", Path(data_path or DEFAULT_DATA), AssessmentStore, **knobs)
    site.frames = {int(f.stem): load_yaml(f) for f in sorted(frames_dir().glob("*.yaml"))}
    base = "/rounds/{year:int}/{number:int}"
    routes = [
        Route("/", home), Route("/rounds", rounds_page), Route("/report", choose_round),
        Route(base, round_page),
        Route(base + "/confirm", confirm_round, methods=["POST"]),
        Route(base + "/standards/{standard}", standard_page),
        Route(base + "/points/{point}", point_page, methods=["GET"]),
        Route(base + "/points/{point}", save_point, methods=["POST"]),
        Route(base + "/points/{point}/evidence", upload_evidence, methods=["POST"]),
        Route(base + "/points/{point}/evidence/{eid}/delete", delete_evidence, methods=["POST"]),
        Route("/evidence/{eid}", download_evidence),
        Route("/api/rounds", rounds_api),
    ]
    admin = [Route("/__admin/rounds/{year:int}/{number:int}/reopen", admin_reopen, methods=["POST"])]
    return site.asgi_app(routes, admin)


# ----- lookups ---------------------------------------------------------------------------------
def store(request: Request) -> AssessmentStore:
    return site_of(request).store


def round_spec(site: Site, year: int, number: int) -> dict | None:
    return next((r for r in site.data["rounds"] if r["year"] == year and r["round"] == number), None)


def standards(site: Site, year: int) -> list[dict]:
    """The year's standards as the site shows them: each indicator's points with their codes."""
    out = []
    for st in site.frames.get(year, {}).get("standards", []):
        indicators = [{"code": f"{st['number']}.{ind['number']}", "title": f"ตัวบ่งชี้ที่ {ind['number']} {ind['name']}",
                       "points": [{"code": f"{st['number']}.{ind['number']}.{pt['number']}", "number": pt["number"],
                                   "text": pt["text"], "kind": pt.get("kind", "narrative"), "works": pt.get("works", 5),
                                   "level": pt.get("level", pt.get("kind", "narrative") == "narrative"),
                                   "standard": str(st["number"]), "indicator": f"ตัวบ่งชี้ที่ {ind['number']} {ind['name']}"}
                                  for pt in ind["points"]]} for ind in st["indicators"]]
        out.append({"code": str(st["number"]), "title": f"มาตรฐานที่ {st['number']} {st['name']}", "indicators": indicators,
                    "points": [pt for ind in indicators for pt in ind["points"]]})
    return out


def points(site: Site, year: int) -> list[dict]:
    return [pt for st in standards(site, year) for pt in st["points"]]


def target(request: Request) -> tuple[dict | None, dict | None, dict | None]:
    """(round spec, round state, point or None) from the path."""
    site = site_of(request)
    year, number = request.path_params["year"], request.path_params["number"]
    spec = round_spec(site, year, number)
    state = store(request).rounds.get(round_key(year, number))
    code = request.path_params.get("point")
    return spec, state, next((pt for pt in points(site, year) if pt["code"] == code), None) if code else None


def refusal(site: Site, spec: dict, state: dict) -> str | None:
    if state["confirmed"]:
        return "รอบการประเมินนี้ยืนยันการส่งข้อมูลแล้ว ไม่สามารถแก้ไขได้"
    if not spec.get("open"):
        return f"รอบการประเมินนี้ปิดรับข้อมูลแล้ว (กำหนดส่ง {deadline_text(spec)})"
    return None


def deadline_text(spec: dict) -> str:
    day = thai.parse_date_be(spec["deadline"])
    return thai.format_date(day) if day else spec["deadline"]


def not_found(request: Request) -> Response:
    return site_of(request).message_page(request, "ไม่พบข้อมูล", "ไม่พบรอบการประเมินหรือประเด็นการพิจารณาที่ต้องการ", 404)


# ----- choosing the year and round --------------------------------------------------------------
@logged_in()
async def home(request: Request) -> Response:
    return RedirectResponse("/rounds", status_code=303)


@logged_in()
async def rounds_page(request: Request) -> Response:
    site = site_of(request)
    years = sorted({r["year"] for r in site.data["rounds"]}, reverse=True)
    return site.render(request, "emes/rounds.html", years=years, rounds=site.data["rounds"],
                       states=store(request).rounds, round_key=round_key, deadline_text=deadline_text)


@logged_in()
async def choose_round(request: Request) -> Response:
    year, number = request.query_params.get("year", ""), request.query_params.get("round", "")
    if not (year.isdigit() and number.isdigit()) or not round_spec(site_of(request), int(year), int(number)):
        return site_of(request).message_page(request, "ไม่พบข้อมูล", "กรุณาเลือกปีงบประมาณและรอบการประเมิน", 422)
    return RedirectResponse(f"/rounds/{year}/{number}", status_code=303)


@logged_in(api=True)
async def rounds_api(request: Request) -> Response:
    """What the round selector's script calls when the year changes."""
    site = site_of(request)
    year = request.query_params.get("year", "")
    rounds = [r for r in site.data["rounds"] if str(r["year"]) == year]
    return JSONResponse({"year": year, "rounds": [
        {"round": r["round"], "label": f"{r['label']} (กำหนดส่ง {deadline_text(r)})", "open": bool(r.get("open")),
         "confirmed": store(request).rounds[round_key(r["year"], r["round"])]["confirmed"]} for r in rounds]})


@logged_in()
async def round_page(request: Request) -> Response:
    spec, state, _ = target(request)
    if spec is None:
        return not_found(request)
    return render_round(request, spec, state)


def render_round(request: Request, spec: dict, state: dict, error: str | None = None,
                 status: int = 200) -> Response:
    site = site_of(request)
    saved = store(request).assessments[round_key(spec["year"], spec["round"])]
    return site.render(request, "emes/round.html", status=status, spec=spec, state=state, saved=saved,
                       standards=standards(site, spec["year"]), error=error, refusal=refusal(site, spec, state),
                       deadline=deadline_text(spec))


@logged_in()
async def standard_page(request: Request) -> Response:
    site = site_of(request)
    spec, state, _ = target(request)
    standard = next((s for s in standards(site, spec["year"]) if s["code"] == request.path_params["standard"]), None) if spec else None
    if standard is None:
        return not_found(request)
    saved = store(request).assessments[round_key(spec["year"], spec["round"])]
    return site.render(request, "emes/standard.html", spec=spec, state=state, standard=standard, saved=saved,
                       levels={lv["value"]: lv["label"] for lv in site.data["point_form"]["levels"]})


# ----- one point of consideration ------------------------------------------------------------------
@logged_in()
async def point_page(request: Request) -> Response:
    spec, state, point = target(request)
    if spec is None or point is None:
        return not_found(request)
    saved = store(request).assessments[round_key(spec["year"], spec["round"])].get(point["code"], {})
    return render_point(request, spec, state, point, shown_values(site_of(request), point, saved), {})


def shown_values(site: Site, point: dict, saved: dict) -> dict:
    """A point's saved values as its form shows them back."""
    if point["kind"] == "works":
        works = saved.get("works", [])
        return {f"{what}_{n}": works[n - 1][what] if n <= len(works) else ""
                for n in range(1, point["works"] + 1) for what in ("title", "video")}
    extras = site.data["point_form"].get("extra_fields", [])
    return {"level": saved.get("level", ""), "narrative": saved.get("narrative", ""),
            "links": "\n".join(saved.get("links", [])), **{f["name"]: saved.get(f["name"], "") for f in extras}}


def render_point(request: Request, spec: dict, state: dict, point: dict, values: dict,
                 errors: dict, status: int = 200, notice: str | None = None) -> Response:
    site = site_of(request)
    key = round_key(spec["year"], spec["round"])
    files = [e for e in store(request).evidence if e["round"] == key and e["point"] == point["code"] and not e["deleted"]]
    return site.render(request, "emes/point.html", status=status, spec=spec, state=state,
                       point=point, values=values, errors=errors, evidence=files,
                       saved=store(request).assessments[key].get(point["code"]),
                       form=site.data["point_form"], works=site.data["works_form"], rules=site.data["evidence"],
                       refusal=refusal(site, spec, state), notice=notice,
                       base=f"/rounds/{spec['year']}/{spec['round']}")


@logged_in()
async def save_point(request: Request) -> Response:
    """Save one point: a narrative point's level, narrative and links, or a works point's
    ranked works; saving again overwrites."""
    site = site_of(request)
    spec, state, point = target(request)
    locked = refusal(site, spec, state) if spec else None  # a closed or locked round refuses any save
    if locked:
        return site.message_page(request, "ไม่สามารถบันทึกได้", locked, 409)
    if spec is None or point is None:
        return not_found(request)
    form = await request.form()
    values, errors, entry = (check_works if point["kind"] == "works" else check_point)(site, point, form)
    if errors:
        return render_point(request, spec, state, point, values, errors, status=422)
    entry.update(saved_at=site.now(), session=request.state.session.label)
    store(request).assessments[round_key(spec["year"], spec["round"])][point["code"]] = entry
    site.record_write(request, "point.save", {"round": round_key(spec["year"], spec["round"]), "point": point["code"]}, entry)
    return render_point(request, spec, state, point, values, {}, notice="บันทึกข้อมูลเรียบร้อยแล้ว")


def check_point(site: Site, point: dict, form: Mapping) -> tuple[dict, dict, dict]:
    rules = site.data["point_form"]
    extras = rules.get("extra_fields", [])
    values = {name: str(form.get(name, "")).strip() for name in ("level", "narrative", "links", *(f["name"] for f in extras))}
    errors = {}
    for extra in extras:
        if extra.get("required") and not values[extra["name"]]:
            errors[extra["name"]] = f"กรุณากรอก{extra['label']}"
    if point["level"] and values["level"] not in {lv["value"] for lv in rules["levels"]}:
        errors["level"] = f"กรุณาเลือก{rules['level_label']}"
    if not values["narrative"]:
        errors["narrative"] = f"กรุณากรอก{rules['narrative_label']}"
    elif len(values["narrative"]) > rules["narrative_max_length"]:
        errors["narrative"] = (f"{rules['narrative_label']}ต้องไม่เกิน {rules['narrative_max_length']} "
                               f"ตัวอักษร (ขณะนี้ {len(values['narrative'])} ตัวอักษร)")
    links = [line.strip() for line in values["links"].splitlines() if line.strip()]
    bad = [link for link in links if not URL.fullmatch(link)]
    if bad:
        errors["links"] = "ลิงก์ต้องขึ้นต้นด้วย http:// หรือ https:// : " + ", ".join(bad)
    elif len(links) > rules["links_max"]:
        errors["links"] = f"ระบุลิงก์ได้ไม่เกิน {rules['links_max']} ลิงก์"
    entry = {"level": values["level"] if point["level"] else "", "narrative": values["narrative"], "links": links,
             **{f["name"]: values[f["name"]] for f in extras}}
    return values, errors, entry


def check_works(site: Site, point: dict, form: Mapping) -> tuple[dict, dict, dict]:
    """Every rank needs a title and a video link of http(s) form (never fetched)."""
    labels = site.data["works_form"]
    values = {f"{what}_{n}": str(form.get(f"{what}_{n}", "")).strip()
              for n in range(1, point["works"] + 1) for what in ("title", "video")}
    errors = {}
    for n in range(1, point["works"] + 1):
        if not values[f"title_{n}"]:
            errors[f"title_{n}"] = "กรุณากรอก" + labels["title_label"].format(n=n)
        if not URL.fullmatch(values[f"video_{n}"]):
            errors[f"video_{n}"] = labels["video_label"].format(n=n) + " ต้องขึ้นต้นด้วย http:// หรือ https://"
    works = [{"title": values[f"title_{n}"], "video": values[f"video_{n}"]} for n in range(1, point["works"] + 1)]
    return values, errors, {"works": works}


@logged_in()
async def upload_evidence(request: Request) -> Response:
    """Every upload adds another evidence file, even the same file again."""
    site = site_of(request)
    spec, state, point = target(request)
    locked = refusal(site, spec, state) if spec else None  # a closed or locked round refuses any save
    if locked:
        return site.message_page(request, "ไม่สามารถบันทึกได้", locked, 409)
    if spec is None or point is None:
        return not_found(request)
    form = await request.form()
    upload = form.get("evidence")
    content = await upload.read() if hasattr(upload, "read") else b""
    problem = evidence_problem(site.data["evidence"], upload, content)
    key = round_key(spec["year"], spec["round"])
    values = shown_values(site, point, store(request).assessments[key].get(point["code"], {}))
    if problem:
        return render_point(request, spec, state, point, values, {"evidence": problem}, status=422)
    record = {"id": f"e{len(store(request).evidence) + 1}", "round": key, "point": point["code"],
              "filename": upload.filename, "size": len(content), "sha256": hashlib.sha256(content).hexdigest(),
              "description": str(form.get("description", "")).strip(), "uploaded_at": site.now(),
              "session": request.state.session.label, "deleted": False}
    store(request).evidence.append(record)
    store(request).files[record["id"]] = content
    site.record_write(request, "evidence.add", {"round": key, "point": point["code"], "evidence_id": record["id"]}, record)
    return render_point(request, spec, state, point, values, {}, notice="อัปโหลดไฟล์เรียบร้อยแล้ว")


def evidence_problem(rules: Mapping, upload: Any, content: bytes) -> str | None:
    if not getattr(upload, "filename", "") or not content:
        return "กรุณาเลือกไฟล์หลักฐาน"
    extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    signature = rules["types"].get(extension)
    if signature is None:
        return "อนุญาตเฉพาะไฟล์ PDF, JPG และ PNG"
    if not content.startswith(bytes.fromhex(signature)):
        return "เนื้อหาไฟล์ไม่ตรงกับประเภทไฟล์ (." + extension + ")"
    if len(content) > rules["max_bytes"]:
        return f"ขนาดไฟล์ต้องไม่เกิน {rules['max_bytes'] // (1024 * 1024)} MB"
    return None


@logged_in()
async def delete_evidence(request: Request) -> Response:
    site = site_of(request)
    spec, state, point = target(request)
    locked = refusal(site, spec, state) if spec else None  # a closed or locked round refuses any save
    if locked:
        return site.message_page(request, "ไม่สามารถบันทึกได้", locked, 409)
    if spec is None or point is None:
        return not_found(request)
    record = next((e for e in store(request).evidence if e["id"] == request.path_params["eid"]), None)
    if record is None or record["deleted"]:
        return not_found(request)
    record["deleted"] = True
    site.record_write(request, "evidence.delete", {"evidence_id": record["id"]})
    return RedirectResponse(f"/rounds/{spec['year']}/{spec['round']}/points/{point['code']}", status_code=303)


@logged_in()
async def download_evidence(request: Request) -> Response:
    content = store(request).files.get(request.path_params["eid"])
    if content is None:
        return not_found(request)
    return Response(content, media_type="application/octet-stream")


# ----- confirming the round ------------------------------------------------------------------------
@logged_in()
async def confirm_round(request: Request) -> Response:
    """Lock the round; needs every point of the year saved."""
    site = site_of(request)
    spec, state, _ = target(request)
    if spec is None:
        return not_found(request)
    locked = refusal(site, spec, state)
    if locked:
        return render_round(request, spec, state, error=locked, status=409)
    saved = store(request).assessments[round_key(spec["year"], spec["round"])]
    missing = [pt["code"] for pt in points(site, spec["year"]) if pt["code"] not in saved]
    if missing:
        return render_round(request, spec, state, status=422,
                            error="ยังบันทึกข้อมูลไม่ครบ: ประเด็นการพิจารณา " + ", ".join(missing))
    state["confirmed"] = True
    confirmation = {"at": site.now(), "session": request.state.session.label}
    state["confirmations"].append(confirmation)
    site.record_write(request, "round.confirm", {"round": round_key(spec["year"], spec["round"])}, confirmation)
    return RedirectResponse(f"/rounds/{spec['year']}/{spec['round']}?confirmed=1", status_code=303)


async def admin_reopen(request: Request) -> Response:
    """OBEC re-opens a confirmed round for edits (tests only)."""
    site = site_of(request)
    state = store(request).rounds.get(round_key(request.path_params["year"], request.path_params["number"]))
    if state is None:
        return JSONResponse({"error": "not_found"}, status_code=404)
    state["confirmed"] = False
    state["reopenings"].append({"at": site.now()})
    return JSONResponse(state)
