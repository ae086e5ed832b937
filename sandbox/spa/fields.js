// Form fields as the site describes them (the API's "fields"), drawn with the classic pages' ids,
// names, labels and error places, so a field is found the same way on both profiles. Option
// lists are not part of a form: each select fetches its own after the form is drawn, and is
// disabled and aria-busy until they arrive.
import {api} from "./api.js";
import {h} from "./dom.js";

const CHOOSE = "-- กรุณาเลือก --";

export function errorPlace(name) {
  return h("p", {class: "field-error", id: `${name}-error`, role: "alert", hidden: true});
}

function label(spec, name) {
  return h("label", {for: name}, spec.label, spec.required ? h("span", {"aria-hidden": "true"}, " *") : null);
}

function control(spec, name, value) {
  const common = {id: name, name, "aria-describedby": `${name}-error`, required: Boolean(spec.required)};
  if (spec.type === "textarea") return h("textarea", {...common, rows: 4}, value || "");
  if (spec.type === "select" || spec.type === "month") {
    return h("select", {...common, "data-value": value || "", "data-options": spec.options_url,
                        "data-parent": spec.parent, disabled: true, "aria-busy": "true"},
             h("option", {value: ""}, CHOOSE));
  }
  const hint = spec.type === "date_be" ? {placeholder: "วว/ดด/ปปปป"}
    : ["money", "number"].includes(spec.type) ? {inputmode: "decimal"} : {};
  return h("input", {...common, type: "text", value: value || "", ...hint});
}

export function scalar(spec, name, value) {
  return h("div", {class: "field", "data-field": name}, label(spec, name), control(spec, name, value), errorPlace(name));
}

function rowLabel(spec, number) {
  return spec.row_label.replace("{n}", number);
}

function rowGroup(spec, index, number, row) {
  const title = rowLabel(spec, number);
  return h("div", {class: "row-group", "data-row": index}, h("strong", {}, title),
           spec.columns.map((column) => scalar({...column, label: `${column.label} (${title})`},
                                               `${spec.name}-${index}-${column.name}`, row[column.name])),
           h("button", {type: "button", class: "remove-row"}, `ลบ${title}`));
}

function rows(spec, value) {
  const list = h("div", {class: "row-list"}, (value && value.length ? value : [{}]).map(
    (row, index) => rowGroup(spec, index, index + 1, row)));
  const add = h("button", {type: "button", class: "add-row"}, spec.add_label);
  const set = h("fieldset", {class: "rows", "data-rows": spec.name}, h("legend", {}, spec.label), list, add,
                errorPlace(spec.name));
  add.addEventListener("click", () => {
    const groups = list.querySelectorAll(".row-group");
    const index = Math.max(-1, ...[...groups].map((group) => Number(group.dataset.row))) + 1;
    const group = rowGroup(spec, index, groups.length + 1, {});
    list.append(group);
    group.querySelectorAll("select").forEach((select) => loadOptions(select));  // a new row's lists come late too
  });
  set.addEventListener("click", (event) => {
    if (event.target.classList.contains("remove-row")) event.target.closest(".row-group").remove();
  });
  return set;
}

function months(spec, value) {
  const cells = spec.months.map((month) => {
    const name = `${spec.name}-${month.key}`;
    return h("td", {}, h("label", {for: name}, `${spec.label} ${month.label}`),
             h("input", {type: "text", id: name, name, inputmode: "decimal", value: (value || {})[month.key] || "",
                         "aria-describedby": `${name}-error`}), errorPlace(name));
  });
  const lines = [];
  for (let i = 0; i < cells.length; i += 3) lines.push(h("tr", {}, cells.slice(i, i + 3)));
  return h("fieldset", {class: "months", "data-months": spec.name}, h("legend", {}, spec.label),
           h("table", {}, lines), errorPlace(spec.name));
}

export function field(spec, values) {
  if (spec.type === "rows") return rows(spec, values[spec.name]);
  if (spec.type === "months") return months(spec, values[spec.name]);
  return scalar(spec, spec.name, values[spec.name]);
}

// Fetch one select's options (a child's follow its parent's choice); its saved value is chosen
// once they are there. A later load of the same select wins over an earlier one still running.
export async function loadOptions(select) {
  const mine = (Number(select.dataset.loads) || 0) + 1;
  select.dataset.loads = mine;
  select.disabled = true;
  select.setAttribute("aria-busy", "true");
  select.replaceChildren(h("option", {value: ""}, CHOOSE));
  let url = select.dataset.options;
  const parent = select.dataset.parent && document.getElementById(select.dataset.parent);
  try {
    if (parent) {
      if (!parent.value) return;
      url += `${url.includes("?") ? "&" : "?"}parent=${encodeURIComponent(parent.value)}`;
    }
    const {ok, data} = await api("GET", url);
    if (mine !== Number(select.dataset.loads) || !ok) return;
    data.items.forEach((item) => select.add(new Option(item.label, item.value)));
    select.value = select.dataset.value || "";
  } finally {
    if (mine === Number(select.dataset.loads)) {
      select.disabled = false;
      select.removeAttribute("aria-busy");
    }
  }
}

// Every select of a form: parents first, each child after its parent, and again on every change.
export function loadAllOptions(form) {
  const loading = new Map();
  for (const select of form.querySelectorAll("select[data-options]")) {
    const parent = select.dataset.parent;
    loading.set(select.id, (loading.get(parent) || Promise.resolve()).then(() => loadOptions(select)));
    const parentSelect = parent && document.getElementById(parent);
    if (parentSelect) {
      parentSelect.addEventListener("change", () => {
        select.dataset.value = "";
        loadOptions(select).then(() => select.dispatchEvent(new Event("change")));
      });
    }
  }
  return Promise.allSettled(loading.values());
}

// The form's values as the API takes them: each input by its name (a disabled input is left out,
// as a browser leaves it out of a form post).
export function collect(form) {
  const values = {};
  new FormData(form).forEach((value, key) => { values[key] = value; });
  return values;
}

export function showErrors(form, errors, box) {
  form.querySelectorAll(".field-error").forEach((place) => { place.hidden = true; place.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
  const names = Object.keys(errors || {});
  for (const name of names) {
    const place = document.getElementById(`${name}-error`);
    if (place) {
      place.textContent = errors[name];
      place.hidden = false;
    }
    const input = document.getElementById(name);
    if (input) input.setAttribute("aria-invalid", "true");
  }
  box.replaceChildren(...(names.length ? [h("div", {class: "alert alert-error", role: "alert", id: "error-summary"},
    `ข้อมูลไม่ถูกต้อง ${names.length} รายการ กรุณาแก้ไขตามข้อความสีแดง`)] : []));
}
