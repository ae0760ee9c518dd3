// The only way the console puts things in the page: elements built with attributes and text nodes. Strings
// from the API are never parsed as HTML (console.md §5): no innerHTML, insertAdjacentHTML, document.write.

/** Attributes that could run or load something: refused whatever their value. */
const REFUSED = /^(on|srcdoc$|formaction$|style$)/i;

/**
 * An element: h('a', { href: '#/user/1', class: 'x' }, 'text', child, [more]). Children are strings (as text
 * nodes), numbers, nodes, arrays of those, or null/false (skipped). `href` must be a route of the page (`#/…`)
 * or one of its own paths (`/explorer`); anything else is dropped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (REFUSED.test(name)) throw new Error(`dom: attribute ${name} is not allowed`);
    if (name === 'href' && !safeHref(String(value))) continue;
    if (name === 'dataset') {
      for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    } else if (name === 'on') {
      for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function safeHref(href) {
  return href.startsWith('#/') || href === '/explorer';
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Removes every child of `el`, then appends `children`. */
export function replace(el, ...children) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return append(el, children);
}

/** A route link: `#/` + the parts, each URI-encoded (ids from data never become a path or a scheme). */
export function route(...parts) {
  return '#/' + parts.map((p) => encodeURIComponent(String(p))).join('/');
}

/** A table from column headers and rows of cells (strings or nodes); `attrs` go on the table. */
export function table(headers, rows, attrs = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      attrs,
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c))))),
    ),
  );
}

/** A status line for errors and empty results; role=alert for errors so screen readers say them. */
export function note(text, kind = 'info') {
  return h('p', { class: `note ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
