// The eMENSCR app: reads the address, asks the API, draws the page. main#app carries what a
// client waits for: aria-busy while a view loads, data-ready="<view>" once it is drawn (its
// selects may still be fetching options: each is aria-busy until they come), and data-status:
// loading, ready, saving, saved, invalid, refused, not_found or error.
import {api, statusWord} from "./api.js";
import {SignInError, finishSignIn, signIn, signOut} from "./auth.js";
import {alert, h, link} from "./dom.js";
import {collect, errorPlace, field, loadAllOptions, scalar, showErrors} from "./fields.js";

const app = document.getElementById("app");
let site = null;  // GET /api/v1/meta: the site's own words
let drawing = 0;  // the view being drawn; a late answer for an older one is dropped

const ROUTES = [
  [/^\/app\/?$/, () => { history.replaceState(null, "", "/app/projects"); return projectsView(); }],
  [/^\/app\/projects\/?$/, () => projectsView()],
  [/^\/app\/projects\/new$/, () => stepView(null, site.steps[0].code)],
  [/^\/app\/projects\/(\d+)$/, (m) => projectView(Number(m[1]))],
  [/^\/app\/projects\/(\d+)\/steps\/([\w-]+)$/, (m) => stepView(Number(m[1]), m[2])],
  [/^\/app\/projects\/(\d+)\/progress\/(\d+)$/, (m) => progressView(Number(m[1]), Number(m[2]))],
];

// ----- drawing ----------------------------------------------------------------------------------
function setBusy() {
  app.setAttribute("aria-busy", "true");
  app.removeAttribute("data-ready");
  app.dataset.status = "loading";
  app.replaceChildren(h("div", {class: "spinner", role: "progressbar", "aria-label": "กำลังโหลด"}));
}

function setDrawn(view) {
  app.replaceChildren(...view.nodes.filter((node) => node !== null));  // a view leaves out what it lacks as null
  app.removeAttribute("aria-busy");
  app.dataset.status = view.status || "ready";
  app.dataset.ready = view.name;
  if (view.after) view.after();
}

async function route() {
  const mine = ++drawing;
  setBusy();
  let view;
  try {
    const found = ROUTES.map(([pattern, draw]) => [location.pathname.match(pattern), draw]).find(([m]) => m);
    view = found ? await found[1](found[0]) : message("ไม่พบหน้าที่ต้องการ", "ไม่พบหน้าที่ต้องการ", "not_found");
  } catch (error) {
    view = message("ไม่สามารถแสดงหน้านี้ได้", explain(error), "error");
  }
  if (mine === drawing) setDrawn(view);
}

function navigate(address) {
  history.pushState(null, "", address);
  return route();
}

function follow(event) {
  const anchor = event.target.closest("a[data-link]");
  if (!anchor || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  navigate(anchor.getAttribute("href"));
}

function explain(error) {
  return error instanceof SignInError ? error.message : "ไม่สามารถติดต่อเซิร์ฟเวอร์ได้ กรุณาลองใหม่อีกครั้ง";
}

function message(title, text, status) {
  return {name: "message", status, nodes: [h("h2", {}, title), alert("error", text),
                                           h("p", {}, link("/app/projects", "กลับหน้าหลัก"))]};
}

function refusal(title, answer) {
  return message(title, answer.data.message || `HTTP ${answer.status}`, statusWord(answer.status));
}

// One save at a time: its button is off while it runs, and main#app[data-status] tells the outcome.
async function save(button, request, {saved, invalid, failed}) {
  if (button.disabled) return;
  button.disabled = true;
  app.dataset.status = "saving";
  try {
    const answer = await request();
    if (!answer) {  // nothing was sent (a dismissed confirm)
      app.dataset.status = "ready";
      return;
    }
    if (answer.ok) {
      await saved(answer.data);
      return;
    }
    if (answer.status === 422 && invalid && answer.data.errors) invalid(answer.data.errors);
    else failed(answer.data.message || `HTTP ${answer.status}`);
    app.dataset.status = statusWord(answer.status);
  } catch (error) {
    failed(explain(error));
    app.dataset.status = "error";
  } finally {
    button.disabled = false;
  }
}

function boxFailure(box) {
  return (text) => box.replaceChildren(alert("error", text));
}

// ----- the projects list ----------------------------------------------------------------------
async function projectsView() {
  const answer = await api("GET", `/api/v1/projects?${new URLSearchParams(location.search)}`);
  if (!answer.ok) return refusal("ไม่สามารถแสดงรายการโครงการได้", answer);
  const list = answer.data;
  return {name: "projects", nodes: [h("h2", {}, "รายการโครงการของหน่วยงาน"), searchForm(list),
                                    resultCount(list), projectTable(list), pager(list)]};
}

function searchForm(list) {
  const form = h("form", {id: "search-form", role: "search"},
    h("label", {for: "q"}, "ค้นหา (รหัสโครงการหรือชื่อโครงการ)"),
    h("input", {type: "text", id: "q", name: "q", value: list.query}),
    h("label", {for: "status"}, "สถานะโครงการ"),
    h("select", {id: "status", name: "status"}, h("option", {value: ""}, "ทั้งหมด"),
      Object.entries(site.statuses).map(([key, text]) => h("option", {value: key, selected: key === list.status_filter}, text))),
    h("p", {}, h("button", {type: "submit"}, "ค้นหา"), " ", link("/app/projects/new", "+ เพิ่มโครงการ")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(`/app/projects?${new URLSearchParams(new FormData(form))}`);
  });
  return form;
}

function resultCount(list) {
  const text = list.total ? `แสดงรายการที่ ${list.first}–${list.first + list.items.length - 1} จากทั้งหมด ${list.total} รายการ`
    : "ไม่พบโครงการ";
  return h("p", {id: "result-count"}, text);
}

function projectTable(list) {
  const heads = ["ลำดับ", "รหัสโครงการ", "ชื่อโครงการ", "ปีงบประมาณ", "งบประมาณ (บาท)", "สถานะ", "ดำเนินการ"];
  return h("table", {id: "project-table"}, h("thead", {}, h("tr", {}, heads.map((text) => h("th", {}, text)))),
    h("tbody", {}, list.items.map((project, index) => h("tr", {"data-project-id": project.id, "data-project-code": project.code},
      h("td", {}, list.first + index), h("td", {class: "project-code"}, project.code),
      h("td", {}, link(`/app/projects/${project.id}`, project.name)), h("td", {}, project.fiscal_year),
      h("td", {class: "money"}, project.budget_total_text || "-"), h("td", {class: "project-status"}, project.status_label),
      h("td", {}, link(`/app/projects/${project.id}`, "รายละเอียด"))))));
}

function pager(list) {
  const address = (page) => `/app/projects?${new URLSearchParams({q: list.query, status: list.status_filter, page})}`;
  const numbers = [];
  for (let page = 1; page <= list.pages; page++) {
    numbers.push(page === list.page ? h("strong", {"aria-current": "page"}, page) : link(address(page), page), " ");
  }
  return h("nav", {"aria-label": "เลขหน้า", class: "pagination"}, h("span", {}, `หน้า ${list.page} จาก ${list.pages}`), " ",
    list.page > 1 ? h("a", {href: address(list.page - 1), "data-link": true, rel: "prev"}, "ก่อนหน้า") : null, " ", numbers,
    list.page < list.pages ? h("a", {href: address(list.page + 1), "data-link": true, rel: "next"}, "ถัดไป") : null);
}

// ----- one project: details, steps, M7, quarters, attachments ----------------------------------
function stepsNav(project, current) {
  return h("nav", {class: "steps", "aria-label": "ขั้นตอนการบันทึกโครงการ"}, site.steps.map((step, index) => {
    const text = `${step.code} ${step.title}`;
    if (!project) return [h("span", {"aria-current": index === 0 ? "step" : null}, text), " "];
    const saved = project.steps.some((s) => s.code === step.code && s.saved);
    return [h("a", {href: `/app/projects/${project.id}/steps/${step.code}`, "data-link": true,
                    "aria-current": step.code === current ? "step" : null}, text + (saved ? " ✓" : "")), " "];
  }));
}

function notices() {
  const query = new URLSearchParams(location.search);
  return [query.get("sent") && alert("success", "ส่งโครงการเพื่อขออนุมัติเรียบร้อยแล้ว"),
          query.get("uploaded") && alert("success", "แนบไฟล์เรียบร้อยแล้ว"),
          query.get("saved") && alert("success", `บันทึกข้อมูล ${query.get("saved")} เรียบร้อยแล้ว`)].filter(Boolean);
}

async function projectView(id) {
  const answer = await api("GET", `/api/v1/projects/${id}`);
  if (!answer.ok) return refusal("ไม่พบข้อมูล", answer);
  const project = answer.data;
  const box = h("div", {id: "project-error"});
  const line = (title, cell) => h("tr", {}, h("th", {}, title), cell);
  const done = notices();
  return {name: "project", status: done.length ? "saved" : "ready", nodes: [h("article",
    {id: "project", "data-project-id": project.id, "data-project-code": project.code},
    h("h2", {}, `${project.code} ${project.name}`), done, box,
    h("table", {}, line("เลขที่โครงการในระบบ", h("td", {id: "remote-id"}, project.id)),
      line("รหัสโครงการของหน่วยงาน", h("td", {id: "project-code"}, project.code)),
      line("ปีงบประมาณ", h("td", {}, project.fiscal_year)),
      line("งบประมาณ (บาท)", h("td", {}, project.budget_total_text || "-")),
      line("สถานะ", h("td", {id: "project-status", "data-status": project.status}, project.status_label)),
      line("แก้ไขล่าสุด", h("td", {}, project.updated_at_text))),
    project.returned_comment ? alert("info", `ส่งกลับแก้ไข: ${project.returned_comment}`, {id: "return-comment"}) : null,
    h("h3", {}, "ขั้นตอนการบันทึกข้อมูลโครงการ"), stepsNav(project, null),
    project.missing.length ? h("p", {}, `ยังไม่ได้บันทึก: ${project.missing.join(", ")}`) : null,
    h("h3", {}, "M7 ส่งขออนุมัติ"), h("p", {}, "จำนวนครั้งที่ส่ง: ", h("span", {id: "send-count"}, project.sends)),
    sendButton(project, box),
    h("h3", {}, "รายงานผลการดำเนินงานรายไตรมาส"),
    project.reportable ? h("ul", {id: "quarters"}, project.quarters.map((q) => h("li", {},
      link(`/app/projects/${project.id}/progress/${q.quarter}`, q.label), q.saved ? " (บันทึกแล้ว)" : null)))
      : h("p", {}, "รายงานผลได้เมื่อโครงการได้รับอนุมัติแล้ว"),
    h("h3", {}, "เอกสารแนบ"), attachmentTable(project), attachmentForm(project, box))]};
}

function sendButton(project, box) {
  const button = h("button", {type: "button", id: "send-button"}, site.send.button);
  button.addEventListener("click", () => {
    box.replaceChildren();
    save(button, () => (confirm(site.send.confirm) ? api("POST", `/api/v1/projects/${project.id}/send`) : null),
         {saved: () => navigate(`/app/projects/${project.id}?sent=1`), failed: boxFailure(box)});
  });
  return h("p", {}, button);
}

function attachmentTable(project) {
  const heads = ["ลำดับ", "ชื่อไฟล์", "คำอธิบาย", "ขนาด (ไบต์)", "วันที่แนบ"];
  return h("table", {id: "attachments"}, h("thead", {}, h("tr", {}, heads.map((text) => h("th", {}, text)))),
    h("tbody", {}, project.attachments.map((a, index) => h("tr", {"data-attachment-id": a.id}, h("td", {}, index + 1),
      h("td", {}, a.filename), h("td", {}, a.description), h("td", {}, a.size), h("td", {}, a.uploaded_at_text)))));
}

function attachmentForm(project, box) {
  const button = h("button", {type: "submit"}, "แนบไฟล์");
  const form = h("form", {id: "attachment-form"},
    h("label", {for: "attachment-file"}, "ไฟล์เอกสารแนบ"), h("input", {type: "file", id: "attachment-file", name: "file"}),
    h("label", {for: "attachment-description"}, "คำอธิบายไฟล์"),
    h("input", {type: "text", id: "attachment-description", name: "description"}), h("p", {}, button));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.replaceChildren();
    save(button, () => api("POST", `/api/v1/projects/${project.id}/attachments`, new FormData(form)),
         {saved: () => navigate(`/app/projects/${project.id}?uploaded=1`), failed: boxFailure(box)});
  });
  return form;
}

// ----- steps M1–M5 ------------------------------------------------------------------------------
async function stepView(id, code) {
  const answer = await api("GET", id ? `/api/v1/projects/${id}/steps/${code}` : `/api/v1/steps/${code}`);
  if (!answer.ok) return refusal("ยังเปิดขั้นตอนนี้ไม่ได้", answer);
  const {step, project, values, locked, locked_message: lockedMessage} = answer.data;
  const saved = new URLSearchParams(location.search).get("saved");
  const box = h("div", {id: "error-box"});
  const button = h("button", {type: "submit"}, site.step_save_button);
  const form = h("form", {id: "step-form", "data-step": step.code, "data-project-id": project ? project.id : null, novalidate: true},
    h("fieldset", {class: "step-fields", disabled: Boolean(locked)}, step.fields.map((spec) => field(spec, values)), h("p", {}, button)));
  const send = () => (project ? api("PUT", `/api/v1/projects/${project.id}/steps/${step.code}`, collect(form))
    : api("POST", "/api/v1/projects", collect(form)));
  const next = (answered) => navigate(answered.next ? `/app/projects/${answered.id}/steps/${answered.next}?saved=${step.code}`
    : `/app/projects/${answered.id}?saved=${step.code}`);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save(button, send, {saved: next, invalid: (errors) => showErrors(form, errors, box), failed: boxFailure(box)});
  });
  return {name: "step", status: saved ? "saved" : "ready", after: () => loadAllOptions(form), nodes: [
    h("h2", {}, project ? `${project.code} ${project.name}` : "เพิ่มโครงการใหม่"), stepsNav(project, step.code),
    h("h3", {id: "step-title"}, `${step.code} ${step.title}`),
    saved ? alert("success", `บันทึกข้อมูล ${saved} เรียบร้อยแล้ว`) : null,
    locked ? alert("info", lockedMessage) : null, box, form]};
}

// ----- quarterly progress -----------------------------------------------------------------------
async function progressView(id, quarter) {
  const answer = await api("GET", `/api/v1/projects/${id}/progress/${quarter}`);
  if (!answer.ok) return refusal("ไม่สามารถรายงานผลได้", answer);
  const data = answer.data;
  const group = (name) => data.fields.filter((spec) => spec.group === name)
    .map((spec) => scalar(spec, spec.name, data.values[spec.name]));
  const box = h("div", {id: "error-box"});
  const done = alert("success", "บันทึกข้อมูลเรียบร้อยแล้ว", {id: "save-status", hidden: true});
  const failed = h("div", {id: "save-failed", role: "alert", class: "alert alert-error", hidden: true});
  const savedAt = h("span", {id: "saved-at"}, data.saved_at_text || "ยังไม่เคยบันทึก");
  const button = h("button", {type: "submit", id: "save-progress"}, site.progress.save_button);
  const form = h("form", {id: "progress-form", "data-project-id": id, "data-quarter": quarter, novalidate: true},
    h("fieldset", {}, h("legend", {}, "ความก้าวหน้าของกิจกรรม"), group("activities")),
    h("fieldset", {}, h("legend", {}, "ผลการดำเนินงานตามตัวชี้วัด"), group("kpis")),
    h("fieldset", {}, h("legend", {}, `ผลการเบิกจ่ายงบประมาณ (งบประมาณโครงการ ${data.budget_total_text} บาท)`),
      group("disbursed"), errorPlace("disbursed")),
    data.fields.filter((spec) => !spec.group).map((spec) => scalar(spec, spec.name, data.values[spec.name])),
    h("p", {}, button));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    done.hidden = true;
    failed.hidden = true;
    save(button, () => api("PUT", `/api/v1/projects/${id}/progress/${quarter}`, collect(form)), {
      saved: (answered) => {
        showErrors(form, {}, box);
        savedAt.textContent = answered.saved_at_text;
        done.hidden = false;
        app.dataset.status = "saved";
      },
      invalid: (errors) => showErrors(form, errors, box),
      failed: (text) => { failed.textContent = text; failed.hidden = false; }});
  });
  return {name: "progress", after: () => loadAllOptions(form), nodes: [
    h("h2", {}, site.progress.title),
    h("p", {}, link(`/app/projects/${id}`, `${data.project.code} ${data.project.name}`)),
    h("h3", {id: "quarter-title"}, `ปีงบประมาณ ${data.project.fiscal_year} ${data.quarter_label}`),
    done, failed, box, h("p", {}, "บันทึกล่าสุด: ", savedAt), form]};
}

// ----- start --------------------------------------------------------------------------------------
function drawMenu() {
  const out = h("a", {href: "#", id: "sign-out"}, "ออกจากระบบ");
  out.addEventListener("click", (event) => { event.preventDefault(); signOut(); });
  const menu = document.querySelector("nav.menu");
  menu.replaceChildren(link("/app/", "หน้าหลัก"), link("/app/projects", "โครงการทั้งหมด"),
                       link("/app/projects/new", "เพิ่มโครงการ"), out, h("span", {}, `ผู้ใช้: ${site.user}`));
  menu.hidden = false;
  document.getElementById("agency").textContent = site.agency;
}

async function boot() {
  try {
    const back = await finishSignIn();
    const answer = await api("GET", "/api/v1/meta");  // without a token this goes to the sign-in page
    if (!answer.ok) throw new SignInError(answer.data.message || `HTTP ${answer.status}`);
    site = answer.data;
    if (back) history.replaceState(null, "", back);
  } catch (error) {
    const again = h("button", {type: "button", id: "sign-in-again"}, "เข้าสู่ระบบอีกครั้ง");
    again.addEventListener("click", () => signIn());
    const view = message("เข้าสู่ระบบไม่สำเร็จ", explain(error), "error");
    view.nodes.push(h("p", {}, again));
    setDrawn(view);
    return;
  }
  drawMenu();
  window.addEventListener("popstate", route);
  document.addEventListener("click", follow);
  route();
}

boot();
