// Building the page from data without innerHTML: every text goes in as text, never as markup.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

// An internal link: followed by the app itself, without loading the page again.
export function link(href, ...children) {
  return h("a", {href, "data-link": true}, ...children);
}

export function alert(kind, text, attributes = {}) {
  return h("div", {class: `alert alert-${kind}`, role: kind === "error" ? "alert" : "status", ...attributes}, text);
}
