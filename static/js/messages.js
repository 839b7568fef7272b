// Messages of the page's language for the page's scripts, from the data-msg-* attributes of the element they serve
// (the server renders them through the catalogues; the scripts hold no visible words of their own).

/** The message ``name`` of ``element`` (data-msg-<name>), with "{n}" and the like filled in from ``vars``. */
export function msg(element, name, vars = {}) {
  const text = element.dataset[`msg${name}`] ?? name;
  return text.replace(/\{(\w+)\}/g, (_, key) => String(vars[key] ?? ""));
}
