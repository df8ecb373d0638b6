// A tiny element builder: the page makes its DOM with this, never from HTML strings, so
// text (a learner's expression, an error message) is always text.

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined | EventListener>;

/** An element with attributes (`on…` ones become event listeners; `false`/`undefined` are left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value as EventListener);
    else if (name === "class") element.className = String(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, ...children);
  return element;
}

/** Appends children, turning strings and numbers into text. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A panel: a titled section with an id (for links and tests) and a short note under the title. */
export function panel(id: string, title: string, note: string | null, ...children: Child[]): HTMLElement {
  return h("section", { class: "panel", id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), note ? h("p", { class: "note" }, note) : null, ...children);
}

/** Math as the notes write it: ^[l] as a superscript, the rest as text. */
export function math(text: string): HTMLElement {
  const span = h("span", { class: "math" });
  for (const part of text.split(/(\^\[[^\]]*\])/)) {
    if (part.startsWith("^[")) append(span, h("sup", {}, part.slice(1)));
    else if (part !== "") append(span, part);
  }
  return span;
}
