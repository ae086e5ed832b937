"""Stand-in of eMENSCR, second profile ("spa"): a Keycloak-like sign-in and a single-page app.

What the public sign-in link suggests the real site is (issue 17): the browser signs in with the
authorization code flow and PKCE (sandbox/keycloak.py), then plain JavaScript (sandbox/spa/)
draws every page from a JSON API under /api/v1 that demands a bearer token. The projects, the
checks, the write log, the admin read-back and the fault knobs are the classic profile's own
(sandbox/emenscr.py, sandbox/site.py): only the way in and the way pages are drawn differ.

The API takes and answers the classic form's input names (``kpis-0-name``, ``disbursed-2570-01``),
so the site's validation messages come back keyed by the input they sit beside.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Mapping

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import emenscr as classic
from . import forms, thai
from .keycloak import KeycloakSite, bearer_required
from .site import Site, site_of

STATIC = Path(__file__).parent / "spa"
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
MSG_NOT_FOUND = "ไม่พบโครงการที่ต้องการ"


def build_app(data_path: Path | str | None = None, demo_data: bool | str = True, **knobs):
    site = classic.make_site(data_path, demo_data, site_class=KeycloakSite, **knobs)
    routes = [Route("/", to_app), Route("/app", to_app),
              Route("/app/static/{name}", static_file),
              Route("/app/{rest:path}", shell),
              *api_routes()]
    return site.asgi_app(routes, classic.admin_routes())


def api_routes() -> list[Route]:
    v1 = "/api/v1"
    project = v1 + "/projects/{pid:int}"
    return [Route(f"{v1}/meta", meta),
            Route(f"{v1}/projects", project_list, methods=["GET"]),
            Route(f"{v1}/projects", create_project, methods=["POST"]),
            Route(project, project_detail),
            Route(f"{v1}/steps/{{step}}", blank_step),
            Route(f"{project}/steps/{{step}}", step_detail, methods=["GET"]),
            Route(f"{project}/steps/{{step}}", save_step, methods=["PUT", "POST"]),
            Route(f"{project}/send", send, methods=["POST"]),
            Route(f"{project}/attachments", attach, methods=["POST"]),
            Route(f"{project}/progress/{{quarter:int}}", progress_detail, methods=["GET"]),
            Route(f"{project}/progress/{{quarter:int}}", save_progress, methods=["PUT", "POST"]),
            Route(f"{v1}/catalogs/{{kind}}", catalog_options),
            Route(f"{v1}/months", month_options),
            Route(f"{v1}/forms/{{form}}/options/{{field}}", field_options)]


# ----- the app's shell: one HTML page for every route under /app/ ------------------------------
async def to_app(request: Request) -> Response:
    return RedirectResponse("/app/", status_code=302)


async def shell(request: Request) -> Response:
    """Every /app/ route is the same page; its script reads the address and draws the rest."""
    site = site_of(request)
    return site.render(request, "emenscr_spa/index.html", realm=site.realm.config, oidc=site.realm.oidc,
                       token_storage=site.knobs.token_storage)


async def static_file(request: Request) -> Response:
    path = STATIC / request.path_params["name"]
    if path.suffix not in STATIC_TYPES or not path.is_file():
        return JSONResponse({"error": "not_found"}, status_code=404)
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix], headers={"Cache-Control": "no-cache"})


# ----- answers ------------------------------------------------------------------------------------
def refused(message: str, status: int, error: str = "refused") -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


def invalid(values: dict, errors: dict) -> JSONResponse:
    return JSONResponse({"ok": False, "values": values, "errors": errors}, status_code=422)


def project_or_404(request: Request) -> dict | None:
    return site_of(request).store.projects.get(request.path_params["pid"])


async def form_body(request: Request) -> Mapping | None:
    """The JSON object a save sends, flattened to the form's input names; None if not JSON."""
    try:
        body = await request.json()
    except ValueError:
        return None
    return classic.json_form(flatten(body)) if isinstance(body, dict) else None


def flatten(body: Mapping) -> dict:
    """Nested rows and months also accepted: {"kpis": [{"name": …}]} -> {"kpis-0-name": …}."""
    flat: dict[str, Any] = {}
    for name, value in body.items():
        if isinstance(value, list):
            for index, row in enumerate(value):  # a row that is not an object is no row (the checks say what is missing)
                if isinstance(row, Mapping):
                    flat.update({f"{name}-{index}-{column}": v for column, v in row.items()})
        elif isinstance(value, dict):
            flat.update({f"{name}-{key}": v for key, v in value.items()})
        else:
            flat[name] = value
    return flat


BAD_JSON = ("ข้อมูลไม่อยู่ในรูปแบบ JSON", 400, "bad_json")


# ----- what the app draws from --------------------------------------------------------------------
@bearer_required
async def meta(request: Request) -> Response:
    """The site's own words: title, menu labels, statuses, steps, the user signed in."""
    site = site_of(request)
    data = site.data
    return JSONResponse({"user": request.state.session.user, "title": data["site"]["title"],
                         "agency": data["site"].get("agency", ""), "statuses": data["statuses"],
                         "steps": [{"code": s["code"], "title": s["title"]} for s in classic.steps_spec(site)],
                         "step_save_button": data.get("step_save_button", "บันทึกและไปขั้นตอนถัดไป"),
                         "send": data["send"], "progress": {k: data["progress"][k] for k in ("title", "save_button")},
                         "page_size": int(data.get("page_size", 20))})


def summary(site: Site, project: dict) -> dict:
    field = lambda name: classic.field_of(project, name)  # noqa: E731
    budget = field("budget_total")
    return {"id": project["id"], "code": field("code"), "name": field("name"), "fiscal_year": field("fiscal_year"),
            "budget_total": budget, "budget_total_text": thai.format_money(thai.parse_money(budget)) if budget else "",
            "status": project["status"], "status_label": classic.status_label(site, project["status"]),
            "steps": [{"code": s["code"], "title": s["title"], "saved": s["code"] in project["steps"]}
                      for s in classic.steps_spec(site)]}


@bearer_required
async def project_list(request: Request) -> Response:
    site = site_of(request)
    listing = classic.list_projects(site, request.query_params)
    listing["items"] = [summary(site, p) for p in listing.pop("projects")]
    return JSONResponse(listing)


@bearer_required
async def project_detail(request: Request) -> Response:
    site, project = site_of(request), project_or_404(request)
    if project is None:
        return refused(MSG_NOT_FOUND, 404, "not_found")
    fiscal_year = classic.fiscal_year_of(project)
    reportable = project["status"] in site.data["progress"]["reportable_statuses"]
    return JSONResponse({
        **summary(site, project), "updated_at_text": _when(project["updated_at"]),
        "missing": classic.missing_steps(site, project), "sends": len(project["sends"]),
        "returned_comment": project["returns"][-1]["comment"] if project["status"] == "returned" and project["returns"] else None,
        "reportable": reportable,
        "quarters": [{"quarter": q, "label": thai.quarter_label(fiscal_year, q), "saved": str(q) in project["progress"]}
                     for q in range(1, 5)] if fiscal_year and reportable else [],
        "attachments": [{"id": a["id"], "filename": a["filename"], "description": a["description"],
                         "size": a["size"], "uploaded_at_text": _when(a["uploaded_at"])} for a in project["attachments"]]})


def _when(epoch: float | None) -> str:
    return thai.format_date(classic._local(epoch), with_time=True) if epoch else ""


# ----- steps M1–M5 --------------------------------------------------------------------------------
def field_json(spec: Mapping, form: str, fiscal_year: int | None) -> dict:
    """A field as the app draws it: no option list (it is fetched after the form), where to get one."""
    drawn = {k: v for k, v in spec.items() if k not in ("options", "pattern", "pattern_message", "catalog")}
    if spec["type"] == "rows":
        drawn["columns"] = [field_json(c, form, fiscal_year) for c in spec["columns"]]
    elif spec["type"] == "months":
        drawn["months"] = [{"key": k, "label": t} for k, t in thai.fiscal_month_options(fiscal_year)] if fiscal_year else []
    elif "catalog" in spec:
        drawn["options_url"] = f"/api/v1/catalogs/{spec['catalog']}"
    elif spec["type"] == "month":
        drawn["options_url"] = f"/api/v1/months?fiscal_year={fiscal_year or ''}"
    elif spec["type"] == "select":
        drawn["options_url"] = f"/api/v1/forms/{form}/options/{spec['name']}"
    return drawn


def step_json(site: Site, spec: dict, project: dict | None) -> dict:
    fiscal_year = classic.fiscal_year_of(project) if project else None
    return {"code": spec["code"], "title": spec["title"],
            "fields": [field_json(f, spec["code"], fiscal_year) for f in spec["fields"]]}


@bearer_required
async def blank_step(request: Request) -> Response:
    """The first step's form, for a project the site does not hold yet."""
    site = site_of(request)
    spec = classic.step_spec(site, request.path_params["step"])
    if spec is None or spec is not classic.steps_spec(site)[0]:
        return refused("ไม่พบขั้นตอนที่ต้องการ", 404, "not_found")
    return JSONResponse({"step": step_json(site, spec, None), "values": {}, "locked": False})


@bearer_required
async def create_project(request: Request) -> Response:
    """Every valid POST creates another project, even with a code already used (as on the classic)."""
    form = await form_body(request)
    if form is None:
        return refused(*BAD_JSON)
    project, values, errors = classic.create_from(request, form)
    if errors:
        return invalid(values, errors)
    site = site_of(request)
    return JSONResponse({"ok": True, "id": project["id"], "values": values,
                         "next": classic.next_step(site, classic.steps_spec(site)[0]["code"])}, status_code=201)


def step_target(request: Request) -> tuple[dict | None, dict | None, JSONResponse | None]:
    site, project = site_of(request), project_or_404(request)
    spec = classic.step_spec(site, request.path_params["step"])
    if project is None or spec is None:
        return None, None, refused(MSG_NOT_FOUND, 404, "not_found")
    if message := classic.out_of_order_message(site, project, spec["code"]):
        return project, spec, refused(message, 409)
    return project, spec, None


@bearer_required
async def step_detail(request: Request) -> Response:
    project, spec, refusal = step_target(request)
    if refusal:
        return refusal
    site = site_of(request)
    locked = project["status"] in classic.LOCKED
    return JSONResponse({"step": step_json(site, spec, project), "project": summary(site, project),
                         "values": project["steps"].get(spec["code"], {}), "locked": locked,
                         "locked_message": classic.locked_message(site, project) if locked else None})


@bearer_required
async def save_step(request: Request) -> Response:
    project, spec, refusal = step_target(request)
    if refusal:
        return refusal
    site = site_of(request)
    if project["status"] in classic.LOCKED:
        return refused(classic.locked_message(site, project), 409)
    form = await form_body(request)
    if form is None:
        return refused(*BAD_JSON)
    values, errors = classic.save_step_values(request, project, spec, form)
    if errors:
        return invalid(values, errors)
    return JSONResponse({"ok": True, "id": project["id"], "values": values,
                         "next": classic.next_step(site, spec["code"])})


# ----- M7 and attachments -------------------------------------------------------------------------
@bearer_required
async def send(request: Request) -> Response:
    """Sending twice records two sends; only an approved project refuses."""
    project = project_or_404(request)
    if project is None:
        return refused(MSG_NOT_FOUND, 404, "not_found")
    status, error = classic.send_project(request, project)
    if error:
        return refused(error, status)
    return JSONResponse({"ok": True, "status": project["status"], "sends": len(project["sends"])})


@bearer_required
async def attach(request: Request) -> Response:
    """Multipart ``file`` and ``description``; each upload adds another attachment."""
    project = project_or_404(request)
    if project is None:
        return refused(MSG_NOT_FOUND, 404, "not_found")
    attachment, problem = await classic.add_attachment(request, project, await request.form())
    if problem:
        return refused(problem, 422, "invalid")
    return JSONResponse({"ok": True, "attachment": {k: attachment[k] for k in ("id", "filename", "size")}},
                        status_code=201)


# ----- quarterly progress -------------------------------------------------------------------------
@bearer_required
async def progress_detail(request: Request) -> Response:
    site = site_of(request)
    project, quarter, refusal = classic.progress_target(request)
    if refusal:
        return refused(refusal, 404 if project is None else 409)
    entry = project["progress"].get(str(quarter))
    fiscal_year = classic.fiscal_year_of(project)
    return JSONResponse({
        "project": summary(site, project), "quarter": quarter,
        "quarter_label": thai.quarter_label(fiscal_year, quarter),
        "budget_total_text": summary(site, project)["budget_total_text"],
        "fields": [field_json(f, "progress", fiscal_year) for f in classic.progress_fields(site, project, quarter)],
        "values": entry["values"] if entry else {}, "saved_at_text": _when(entry["saved_at"]) if entry else "",
        "entry": {k: entry[k] for k in ("values", "saved_at")} if entry else None})  # as the classic API answers


@bearer_required
async def save_progress(request: Request) -> Response:
    """Validate, then overwrite the quarter's entry as a whole (as on the classic)."""
    project, quarter, refusal = classic.progress_target(request)
    if refusal:
        return refused(refusal, 404 if project is None else 409)
    form = await form_body(request)
    if form is None:
        return refused(*BAD_JSON)
    values, errors = classic.save_progress(request, project, quarter, form)
    if errors:
        return invalid(values, errors)
    entry = project["progress"][str(quarter)]
    return JSONResponse({"ok": True, "values": values, "saved_at": entry["saved_at"],
                         "saved_at_text": _when(entry["saved_at"])})


# ----- option lists: each arrives options_delay_ms after it is asked for --------------------------
async def late(site: Site) -> None:
    if site.knobs.options_delay_ms:
        await asyncio.sleep(site.knobs.options_delay_ms / 1000)


def options(pairs) -> JSONResponse:
    return JSONResponse({"items": [{"value": v, "label": t} for v, t in pairs]})


@bearer_required
async def catalog_options(request: Request) -> Response:
    site = site_of(request)
    kind = request.path_params["kind"]
    if kind not in site.catalogs:
        return refused("ไม่พบรายการ", 404, "unknown_catalog")
    await late(site)
    items = classic.catalog_children(site, kind, request.query_params.get("parent"))
    return options((i["code"], f"{i['code']} {i['name']}") for i in items)


@bearer_required
async def month_options(request: Request) -> Response:
    site, year = site_of(request), request.query_params.get("fiscal_year", "")
    await late(site)
    return options(thai.fiscal_month_options(int(year)) if year.isdigit() else [])


@bearer_required
async def field_options(request: Request) -> Response:
    """A plain select's options, as the data file lists them (M1's year and type, progress status)."""
    site, form, name = site_of(request), request.path_params["form"], request.path_params["field"]
    if form == "progress":
        fields = [{"name": "status", "type": "select", "options": site.data["progress"]["statuses"]}]
    else:
        fields = (classic.step_spec(site, form) or {}).get("fields", [])
    spec = next((f for f in fields if f["name"] == name and f["type"] == "select"), None)
    if spec is None:
        return refused("ไม่พบรายการ", 404, "not_found")
    await late(site)
    return options(forms.FormContext().options(spec, {}))
