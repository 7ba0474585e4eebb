/** DOM helpers. Text is only ever set with `textContent`: untrusted strings never become markup. */

type Child = Node | string | null | undefined | false;

/** Creates `<tag>` with attributes (`className`, `hidden` and plain attributes) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | boolean> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "className" && typeof value === "string") node.className = value;
    else if (value === true) node.setAttribute(name, "");
    else if (value !== false) node.setAttribute(name, value);
  }
  append(node, ...children);
  return node;
}

/** Appends children, strings as text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** The element with `id`, of class `type`; throws when the page lacks it (a build mismatch). */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T;
/** The element with `id`; throws when the page lacks it. */
export function byId(id: string): HTMLElement;
export function byId(id: string, type: new () => HTMLElement = HTMLElement): HTMLElement {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return node;
}

/** A `<time>` element for an ISO time, shown in local time. */
export function timeEl(iso: string): HTMLTimeElement {
  const date = new Date(iso);
  const text = Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
  return el("time", { datetime: iso }, text);
}

/** Shows `message` in a panel's error line, or hides the line for null. */
export function showPanelError(node: HTMLElement, message: string | null): void {
  node.hidden = message === null;
  node.textContent = message ?? "";
}
