/** Small DOM helpers for the pages: elements built with text, never with HTML strings. */

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const node = globalThis.document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** The page's CSRF token: the page element's data-csrf, else portal.js finds it. */
export const csrfOf = (root) => root.dataset.csrf || undefined;

/** The text of a chosen file. */
export const fileText = (file) => file.text();

/** Replace an element's children. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
}
