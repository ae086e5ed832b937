"""Stand-in of eMENSCR (ระบบติดตามและประเมินผลแห่งชาติ): projects in steps M1–M5, send for
approval (M7), attachments and quarterly progress.

Like the real site it is not idempotent: every create makes another project, every upload
another attachment, every send another send. Saving a quarter's progress overwrites it.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import forms, thai
from .replica import replica_data
from .site import DATA, Site, load_yaml, logged_in, site_of

DEFAULT_DATA = DATA / "emenscr.yaml"
CATALOGS = DATA / "emenscr_catalogs.yaml"
SEED = DATA / "emenscr_seed.yaml"
# The demo office's projects as its owners entered them earlier, most approved by the ministry
# and a few never entered (so project entry has work). A copy of site data: never read demo/.
OFFICE_SEED = DATA / "emenscr_office_seed.yaml"
LOCKED = ("sent", "approved")


class ProjectStore:
    """Projects by remote id; uploaded bytes kept apart so the read-back stays JSON."""

    def __init__(self, site: Site, demo_data: bool | str = True):
        self.site = site
        self.projects: dict[int, dict] = {}
        self.files: dict[str, bytes] = {}
        self.next_id = int(site.data.get("first_project_id", 10001))
        self.next_attachment = 1
        seed = OFFICE_SEED if demo_data == "office" else SEED
        if demo_data and seed.exists():
            for project in load_yaml(seed)["projects"]:
                self.add(project["steps"], project.get("status", "draft"))

    def add(self, steps: dict, status: str = "draft") -> dict:
        now = self.site.now()
        project = {"id": self.next_id, "status": status, "steps": steps, "progress": {},
                   "attachments": [], "sends": [], "returns": [], "created_at": now,
                   "updated_at": now}
        self.projects[self.next_id] = project
        self.next_id += 1
        return project

    def snapshot(self) -> dict:
        return {"projects": [self.projects[i] for i in sorted(self.projects)]}


def make_site(data_path: Path | str | None = None, demo_data: bool | str = True, site_class=Site, **knobs) -> Site:
    """The eMENSCR state both profiles serve: data file (or a discover folder: its replica), projects,
    catalogs, knobs."""
    path = Path(data_path or DEFAULT_DATA)
    data = replica_data(path, load_yaml(DEFAULT_DATA)) if path.is_dir() else None
    site = site_class("emenscr", path, lambda s: ProjectStore(s, demo_data), data=data, **knobs)
    site.catalogs = {kind: spec["items"] for kind, spec in load_yaml(CATALOGS).items()}
    return site


def admin_routes() -> list[Route]:
    """Fixtures' back doors, the same on both profiles."""
    return [Route("/__admin/projects", admin_add_project, methods=["POST"]),
            Route("/__admin/projects/{pid:int}/return", admin_return, methods=["POST"]),
            Route("/__admin/projects/{pid:int}/approve", admin_approve, methods=["POST"])]


def build_app(data_path: Path | str | None = None, demo_data: bool | str = True, **knobs):
    site = make_site(data_path, demo_data, **knobs)
    routes = [
        Route("/", home), Route("/projects", project_list),
        Route("/projects/new", new_project_form, methods=["GET"]),
        Route("/projects/new", create_project, methods=["POST"]),
        Route("/projects/{pid:int}", project_page),
        Route("/projects/{pid:int}/steps/{step}", step_form, methods=["GET"]),
        Route("/projects/{pid:int}/steps/{step}", save_step, methods=["POST"]),
        Route("/projects/{pid:int}/send", send_for_approval, methods=["POST"]),
        Route("/projects/{pid:int}/attachments", upload_attachment, methods=["POST"]),
        Route("/projects/{pid:int}/attachments/{aid}", download_attachment),
        Route("/projects/{pid:int}/progress/{quarter:int}", progress_form, methods=["GET"]),
        Route("/projects/{pid:int}/progress/{quarter:int}", save_progress_form, methods=["POST"]),
        Route("/api/projects/{pid:int}/progress/{quarter:int}", progress_api, methods=["GET", "POST"]),
        Route("/api/catalog/{kind}", catalog_api),
    ]
    return site.asgi_app(routes, admin_routes())


# ----- helpers -------------------------------------------------------------------------------
def store(request: Request) -> ProjectStore:
    return site_of(request).store


def steps_spec(site: Site) -> list[dict]:
    return site.data["steps"]


def step_spec(site: Site, code: str) -> dict | None:
    return next((s for s in steps_spec(site) if s["code"] == code), None)


def next_step(site: Site, code: str) -> str | None:
    codes = [s["code"] for s in steps_spec(site)]
    position = codes.index(code)
    return codes[position + 1] if position + 1 < len(codes) else None


def field_of(project: dict, name: str) -> Any:
    """A value by field name from whichever step holds it (so steps may be reordered)."""
    for values in project["steps"].values():
        if name in values:
            return values[name]
    return None


def fiscal_year_of(project: dict) -> int | None:
    value = field_of(project, "fiscal_year")
    return int(value) if value and str(value).isdigit() else None


def form_context(site: Site, fiscal_year: int | None) -> forms.FormContext:
    return forms.FormContext(catalogs=site.catalogs, fiscal_year=fiscal_year)


def get_project(request: Request) -> dict | None:
    return store(request).projects.get(request.path_params["pid"])


def not_found(request: Request) -> Response:
    return site_of(request).message_page(request, "ไม่พบข้อมูล", "ไม่พบโครงการที่ต้องการ", 404)


def status_label(site: Site, status: str) -> str:
    return site.data["statuses"].get(status, status)


# ----- pages ---------------------------------------------------------------------------------
@logged_in()
async def home(request: Request) -> Response:
    return RedirectResponse("/projects", status_code=303)


@logged_in()
async def project_list(request: Request) -> Response:
    site = site_of(request)
    listing = list_projects(site, request.query_params)
    return site.render(request, "emenscr/projects.html", **listing, field_of=field_of, status_label=status_label)


def list_projects(site: Site, params: Mapping[str, str]) -> dict:
    """One page of the projects matching ``q`` (code or name) and ``status``, newest first."""
    query = params.get("q", "").strip()
    status = params.get("status", "")
    projects = [p for p in sorted(site.store.projects.values(), key=lambda p: -p["id"])
                if _matches(p, query) and (not status or p["status"] == status)]
    size = int(site.data.get("page_size", 20))
    pages = max(1, -(-len(projects) // size))
    page = min(max(1, _int(params.get("page"), 1)), pages)
    return {"projects": projects[(page - 1) * size: page * size], "total": len(projects), "page": page,
            "pages": pages, "first": (page - 1) * size + 1, "query": query, "status_filter": status}


def _matches(project: dict, query: str) -> bool:
    if not query:
        return True
    haystack = f"{field_of(project, 'code') or ''} {field_of(project, 'name') or ''}".lower()
    return query.lower() in haystack


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default


@logged_in()
async def project_page(request: Request) -> Response:
    project = get_project(request)
    if project is None:
        return not_found(request)
    return render_project(request, project)


def render_project(request: Request, project: dict, error: str | None = None,
                   notice: str | None = None, status: int = 200) -> Response:
    site = site_of(request)
    fiscal_year = fiscal_year_of(project)
    quarters = [(q, thai.quarter_label(fiscal_year, q)) for q in range(1, 5)] if fiscal_year else []
    return site.render(request, "emenscr/project.html", status=status, project=project,
                       steps=steps_spec(site), field_of=field_of, quarters=quarters,
                       status_label=status_label, error=error, notice=notice,
                       missing=missing_steps(site, project),
                       reportable=project["status"] in site.data["progress"]["reportable_statuses"])


def missing_steps(site: Site, project: dict) -> list[str]:
    return [s["code"] for s in steps_spec(site) if s["code"] not in project["steps"]]


# ----- steps M1..M5 --------------------------------------------------------------------------
@logged_in()
async def new_project_form(request: Request) -> Response:
    site = site_of(request)
    return render_step(request, None, step_spec(site, steps_spec(site)[0]["code"]), {}, {})


@logged_in()
async def create_project(request: Request) -> Response:
    """Every valid POST creates another project, even with a code already used."""
    site = site_of(request)
    project, values, errors = create_from(request, await request.form())
    if errors:
        return render_step(request, None, steps_spec(site)[0], values, errors, status=422)
    return redirect_after_step(site, project, steps_spec(site)[0]["code"])


def create_from(request: Request, form: Mapping) -> tuple[dict | None, dict, dict]:
    """The first step's values make a new project: (project or None, values, errors)."""
    site = site_of(request)
    spec = steps_spec(site)[0]
    values, errors = read_step(site, spec, form, None)
    if errors:
        return None, values, errors
    project = site.store.add({spec["code"]: values})
    site.record_write(request, "project.create", {"project_id": project["id"]}, values)
    return project, values, errors


def earlier_unsaved(site: Site, project: dict, code: str) -> list[str]:
    """Steps before ``code`` (in the site's order) that the project has not saved: the wizard
    opens a step only after every earlier one is saved."""
    codes = [s["code"] for s in steps_spec(site)]
    return [c for c in codes[:codes.index(code)] if c not in project["steps"]]


def out_of_order(request: Request, site: Site, project: dict, code: str) -> Response | None:
    refusal = out_of_order_message(site, project, code)
    return site.message_page(request, "ยังเปิดขั้นตอนนี้ไม่ได้", refusal, 409) if refusal else None


def out_of_order_message(site: Site, project: dict, code: str) -> str | None:
    missing = earlier_unsaved(site, project, code)
    return f"กรุณาบันทึก {', '.join(missing)} ให้ครบก่อน" if missing else None


@logged_in()
async def step_form(request: Request) -> Response:
    site, project = site_of(request), get_project(request)
    spec = step_spec(site, request.path_params["step"])
    if project is None or spec is None:
        return not_found(request)
    if refused := out_of_order(request, site, project, spec["code"]):
        return refused
    return render_step(request, project, spec, project["steps"].get(spec["code"], {}), {})


@logged_in()
async def save_step(request: Request) -> Response:
    site, project = site_of(request), get_project(request)
    spec = step_spec(site, request.path_params["step"])
    if project is None or spec is None:
        return not_found(request)
    if project["status"] in LOCKED:
        return site.message_page(request, "ไม่สามารถแก้ไขได้", locked_message(site, project), 409)
    if refused := out_of_order(request, site, project, spec["code"]):
        return refused
    values, errors = save_step_values(request, project, spec, await request.form())
    if errors:
        return render_step(request, project, spec, values, errors, status=422)
    return redirect_after_step(site, project, spec["code"])


def save_step_values(request: Request, project: dict, spec: dict, form: Mapping) -> tuple[dict, dict]:
    """Check a step's values and, if they pass, overwrite the step with them."""
    site = site_of(request)
    values, errors = read_step(site, spec, form, project)
    if not errors:
        project["steps"][spec["code"]] = values
        project["updated_at"] = site.now()
        site.record_write(request, "project.step.save", {"project_id": project["id"], "step": spec["code"]}, values)
    return values, errors


def locked_message(site: Site, project: dict) -> str:
    return (f"โครงการอยู่ในสถานะ \"{status_label(site, project['status'])}\" "
            "ไม่สามารถแก้ไขได้จนกว่าจะถูกส่งกลับแก้ไข")


def read_step(site: Site, spec: dict, form: Mapping, project: dict | None) -> tuple[dict, dict]:
    fiscal_year = fiscal_year_of(project) if project else None
    typed_year = form.get("fiscal_year")
    if isinstance(typed_year, str) and typed_year.strip().isdigit():
        fiscal_year = int(typed_year.strip())  # M1 carries the year it is checked against
    values, errors = forms.read_fields(spec["fields"], form, form_context(site, fiscal_year))
    forms.run_checks(spec.get("checks", []), spec["fields"], values, errors)
    return values, errors


def redirect_after_step(site: Site, project: dict, code: str) -> Response:
    following = next_step(site, code)
    target = f"/projects/{project['id']}/steps/{following}?saved={code}" if following \
        else f"/projects/{project['id']}?saved={code}"
    return RedirectResponse(target, status_code=303)


def render_step(request: Request, project: dict | None, spec: dict, values: dict, errors: dict,
                status: int = 200) -> Response:
    site = site_of(request)
    fiscal_year = fiscal_year_of(project) if project else None
    action = f"/projects/{project['id']}/steps/{spec['code']}" if project else "/projects/new"
    return site.render(request, "emenscr/step.html", status=status, project=project, spec=spec,
                       steps=steps_spec(site), values=values, errors=errors, action=action,
                       ctx=form_context(site, fiscal_year), field_of=field_of,
                       locked=bool(project and project["status"] in LOCKED),
                       locked_message=locked_message(site, project) if project else "",
                       saved=request.query_params.get("saved"))


# ----- M7 send for approval, attachments -------------------------------------------------------
@logged_in()
async def send_for_approval(request: Request) -> Response:
    """Sending twice records two sends; only an approved project refuses."""
    project = get_project(request)
    if project is None:
        return not_found(request)
    status, error = send_project(request, project)
    if error:
        return render_project(request, project, status=status, error=error)
    return RedirectResponse(f"/projects/{project['id']}?sent=1", status_code=303)


def send_project(request: Request, project: dict) -> tuple[int, str | None]:
    """M7: (HTTP status, refusal or None). Each accepted send is recorded again."""
    site = site_of(request)
    missing = missing_steps(site, project)
    if missing:
        return 422, "กรุณากรอกข้อมูลให้ครบทุกขั้นตอนก่อนส่งขออนุมัติ: " + ", ".join(missing)
    if project["status"] == "approved":
        return 409, "โครงการได้รับอนุมัติแล้ว ไม่ต้องส่งซ้ำ"
    project["status"] = "sent"
    send = {"at": site.now(), "session": request.state.session.label}
    project["sends"].append(send)
    site.record_write(request, "project.send", {"project_id": project["id"]}, send)
    return 200, None


@logged_in()
async def upload_attachment(request: Request) -> Response:
    """Each upload adds another attachment, even of the same file."""
    site, project = site_of(request), get_project(request)
    if project is None:
        return not_found(request)
    _, problem = await add_attachment(request, project, await request.form())
    if problem:
        return render_project(request, project, status=422, error=problem)
    return RedirectResponse(f"/projects/{project['id']}?uploaded=1", status_code=303)


async def add_attachment(request: Request, project: dict, form: Mapping) -> tuple[dict | None, str | None]:
    """A multipart ``file`` and ``description`` become one more attachment: (attachment, refusal)."""
    site = site_of(request)
    upload = form.get("file")
    content = await upload.read() if hasattr(upload, "read") else b""
    problem = attachment_problem(upload, content, site.data["attachments"])
    if problem:
        return None, problem
    attachment = {"id": f"a{site.store.next_attachment}", "filename": upload.filename,
                  "size": len(content), "sha256": hashlib.sha256(content).hexdigest(),
                  "description": str(form.get("description", "")), "uploaded_at": site.now(),
                  "session": request.state.session.label}
    site.store.next_attachment += 1
    site.store.files[attachment["id"]] = content
    project["attachments"].append(attachment)
    site.record_write(request, "project.attachment.add", {"project_id": project["id"],
                                                         "attachment_id": attachment["id"]}, attachment)
    return attachment, None


def attachment_problem(upload: Any, content: bytes, rules: Mapping) -> str | None:
    if not hasattr(upload, "filename") or not upload.filename or not content:
        return "กรุณาเลือกไฟล์ที่ต้องการแนบ"
    extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    if extension not in rules["extensions"]:
        return "ประเภทไฟล์ไม่ถูกต้อง อนุญาตเฉพาะ " + ", ".join(rules["extensions"])
    if len(content) > rules["max_bytes"]:
        return f"ขนาดไฟล์ต้องไม่เกิน {rules['max_bytes'] // (1024 * 1024)} MB"
    return None


@logged_in()
async def download_attachment(request: Request) -> Response:
    content = store(request).files.get(request.path_params["aid"])
    if content is None:
        return not_found(request)
    return Response(content, media_type="application/octet-stream")


# ----- quarterly progress ----------------------------------------------------------------------
def progress_fields(site: Site, project: dict, quarter: int) -> list[dict]:
    """The progress form's fields, built from the project's own activities, KPIs and months."""
    labels = site.data["progress"]
    fields = []
    for n, activity in enumerate(field_of(project, "activities") or [], start=1):
        fields.append({"name": f"activity-{n}-progress", "type": "number", "required": True,
                       "min": 0, "max": 100, "group": "activities",
                       "label": labels["activity_label"].format(n=n, name=activity["name"])})
    for n, kpi in enumerate(field_of(project, "kpis") or [], start=1):
        fields.append({"name": f"kpi-{n}-result", "type": "text", "required": True, "max_length": 500,
                       "group": "kpis", "label": labels["kpi_label"].format(n=n, **kpi)})
    for year, month in thai.quarter_months(fiscal_year_of(project), quarter):
        fields.append({"name": f"disbursed-{thai.month_key(year, month)}", "type": "money",
                       "required": True, "group": "disbursed",
                       "label": labels["disbursed_label"].format(month=thai.month_label(year, month))})
    fields.append({"name": "problems", "type": "textarea", "label": labels["problems_label"],
                   "max_length": labels["problems_max_length"]})
    fields.append({"name": "status", "type": "select", "required": True,
                   "label": labels["status_label"], "options": labels["statuses"]})
    return fields


def check_progress(site: Site, project: dict, quarter: int, fields: list[dict],
                   form: Mapping) -> tuple[dict, dict]:
    values, errors = forms.read_fields(fields, form, form_context(site, fiscal_year_of(project)))
    earlier = project["progress"].get(str(quarter - 1), {}).get("values", {})
    activity_names = [f["name"] for f in fields if f.get("group") == "activities"]
    for name in activity_names:
        before = earlier.get(name)
        if name not in errors and before and values[name] and float(values[name]) < float(before):
            errors[name] = f"ความก้าวหน้าต้องไม่น้อยกว่าไตรมาสก่อน (ร้อยละ {before})"
    if "disbursed" not in errors and not any(k.startswith("disbursed-") for k in errors):
        total = thai.parse_money(field_of(project, "budget_total") or "0") or 0
        spent = sum(thai.parse_money(v) for q, entry in project["progress"].items() if q != str(quarter)
                    for k, v in entry["values"].items() if k.startswith("disbursed-"))
        spent += sum(thai.parse_money(values[k]) for k in values if k.startswith("disbursed-"))
        if spent > total:
            errors["disbursed"] = (f"ผลการเบิกจ่ายสะสม ({thai.format_money(spent)} บาท) "
                                   f"เกินงบประมาณโครงการ ({thai.format_money(total)} บาท)")
    done = site.data["progress"]["completed_status"]
    if values.get("status") == done and "status" not in errors and any(
            values.get(n) and float(values[n]) != 100 for n in activity_names):
        errors["status"] = f"สถานะ \"{done}\" ต้องมีความก้าวหน้าทุกกิจกรรมร้อยละ 100"
    return values, errors


def progress_target(request: Request) -> tuple[dict | None, int, str | None]:
    """(project, quarter, refusal) for a progress request."""
    site, project = site_of(request), get_project(request)
    quarter = request.path_params["quarter"]
    if project is None or quarter not in (1, 2, 3, 4) or not fiscal_year_of(project):
        return None, quarter, "ไม่พบโครงการหรือไตรมาสที่ต้องการ"
    if project["status"] not in site.data["progress"]["reportable_statuses"]:
        return project, quarter, "รายงานผลได้เฉพาะโครงการที่ได้รับอนุมัติแล้ว"
    return project, quarter, None


def save_progress(request: Request, project: dict, quarter: int, form: Mapping) -> tuple[dict, dict]:
    """Validate, then overwrite the quarter's entry as a whole."""
    site = site_of(request)
    fields = progress_fields(site, project, quarter)
    values, errors = check_progress(site, project, quarter, fields, form)
    if not errors:
        entry = {"values": values, "saved_at": site.now(), "session": request.state.session.label}
        project["progress"][str(quarter)] = entry
        site.record_write(request, "progress.save", {"project_id": project["id"], "quarter": quarter}, values)
    return values, errors


def render_progress(request: Request, project: dict, quarter: int, values: dict, errors: dict,
                    status: int = 200, saved: bool = False) -> Response:
    site = site_of(request)
    entry = project["progress"].get(str(quarter))
    return site.render(request, "emenscr/progress.html", status=status, project=project, quarter=quarter,
                       quarter_label=thai.quarter_label(fiscal_year_of(project), quarter),
                       fields=progress_fields(site, project, quarter), values=values, errors=errors,
                       ctx=form_context(site, fiscal_year_of(project)), entry=entry, saved=saved,
                       field_of=field_of)


@logged_in()
async def progress_form(request: Request) -> Response:
    project, quarter, refusal = progress_target(request)
    if refusal:
        return site_of(request).message_page(request, "ไม่สามารถรายงานผลได้", refusal, 404 if project is None else 409)
    saved = project["progress"].get(str(quarter), {}).get("values", {})
    return render_progress(request, project, quarter, saved, {})


@logged_in()
async def save_progress_form(request: Request) -> Response:
    """The page without its script: a plain form POST, errors shown on the re-rendered page."""
    project, quarter, refusal = progress_target(request)
    if refusal:
        return site_of(request).message_page(request, "ไม่สามารถรายงานผลได้", refusal, 404 if project is None else 409)
    values, errors = save_progress(request, project, quarter, await request.form())
    return render_progress(request, project, quarter, values, errors,
                           status=422 if errors else 200, saved=not errors)


@logged_in(api=True)
async def progress_api(request: Request) -> Response:
    """What the progress page's own script calls: JSON in, JSON out, X-CSRF-Token header."""
    project, quarter, refusal = progress_target(request)
    if refusal:
        return JSONResponse({"error": "refused", "message": refusal}, status_code=404 if project is None else 409)
    if request.method == "GET":
        entry = project["progress"].get(str(quarter))
        return JSONResponse({"project_id": project["id"], "quarter": quarter, "entry": entry})
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"error": "bad_json", "message": "ข้อมูลไม่อยู่ในรูปแบบ JSON"}, status_code=400)
    values, errors = save_progress(request, project, quarter, json_form(body))
    if errors:
        return JSONResponse({"ok": False, "errors": errors}, status_code=422)
    entry = project["progress"][str(quarter)]
    return JSONResponse({"ok": True, "saved_at": entry["saved_at"],
                         "saved_at_text": thai.format_date(_local(entry["saved_at"]), with_time=True),
                         "values": values})


def json_form(body: Mapping) -> dict:
    """A JSON object as the flat form the checks read: numbers as text, nulls left out."""
    return {k: (v if isinstance(v, str) else str(v)) for k, v in body.items() if v is not None}


def _local(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch)


@logged_in(api=True)
async def catalog_api(request: Request) -> Response:
    """Children of a catalog item, for the cascading selects of M2."""
    site = site_of(request)
    kind = request.path_params["kind"]
    if kind not in site.catalogs:
        return JSONResponse({"error": "unknown_catalog"}, status_code=404)
    parent = request.query_params.get("parent")
    return JSONResponse({"kind": kind, "parent": parent, "items": catalog_children(site, kind, parent)})


def catalog_children(site: Site, kind: str, parent: str | None) -> list[dict]:
    return [{"code": i["code"], "name": i["name"]} for i in site.catalogs[kind]
            if parent is None or i.get("parent") == parent]


# ----- admin ---------------------------------------------------------------------------------
async def admin_add_project(request: Request) -> Response:
    """Put a project in place without the UI (fixtures): {"steps": {...}, "status": "approved"}."""
    body = await request.json()
    project = store(request).add(body["steps"], body.get("status", "draft"))
    return JSONResponse({"id": project["id"]})


async def admin_return(request: Request) -> Response:
    """The approver returns a project for correction with a comment; it becomes editable."""
    project = get_project(request)
    if project is None:
        return JSONResponse({"error": "not_found"}, status_code=404)
    comment = (await request.json()).get("comment", "")
    project["status"] = "returned"
    project["returns"].append({"at": site_of(request).now(), "comment": comment})
    return JSONResponse({"id": project["id"], "status": project["status"]})


async def admin_approve(request: Request) -> Response:
    project = get_project(request)
    if project is None:
        return JSONResponse({"error": "not_found"}, status_code=404)
    project["status"] = "approved"
    return JSONResponse({"id": project["id"], "status": project["status"]})
