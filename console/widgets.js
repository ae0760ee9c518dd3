// Pieces several pages share: headings, the window form, sections that load on their own, paging.
import { h, note, replace } from './dom.js';
import { SignInNeeded } from './api.js';

/** The page heading; focus moves to it after a navigation (tabindex -1: focusable, not in the tab order). */
export function heading(text) {
  return h('h1', { tabindex: '-1' }, text);
}

/**
 * A section that fills itself: shows "Loading…", runs `load()` and shows what it returns, or its error. Its
 * `dataset.state` is loading, ready or error (what the browser tests wait for).
 */
export function section(id, title, load) {
  const body = h('div', { class: 'section-body' }, note('Loading…'));
  const el = h('section', { id, class: 'card', 'aria-labelledby': `${id}-title`, dataset: { state: 'loading' } }, h('h2', { id: `${id}-title` }, title), body);
  const done = (async () => {
    try {
      replace(body, await load());
      el.dataset.state = 'ready';
    } catch (err) {
      if (err instanceof SignInNeeded) throw err;
      replace(body, note(err.message, 'error'));
      el.dataset.state = 'error';
    }
  })();
  return { el, done };
}

/** A labelled form field. */
export function field(label, input) {
  const id = input.id || `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

/** The "window" fields: last N days, or from/to days (UTC). */
export function windowFields(win, params, dayChoices = [1, 7, 30, 90, 365], allTimes = false) {
  const custom = params.has('from') || params.has('to');
  const all = allTimes && !custom && (!params.has('days') || params.get('days') === 'all');
  const days = h(
    'select',
    { name: 'days', id: 'f-days' },
    allTimes ? h('option', { value: 'all', selected: all }, 'All times') : null,
    dayChoices.map((d) => h('option', { value: String(d), selected: !custom && !all && d === win.days }, d === 1 ? 'Last day' : `Last ${d} days`)),
    h('option', { value: '', selected: custom }, 'From … to …'),
  );
  return [
    field('Window', days),
    field('From (UTC)', h('input', { type: 'date', name: 'from', id: 'f-from', value: custom ? win.from : '' })),
    field('To (UTC)', h('input', { type: 'date', name: 'to', id: 'f-to', value: custom ? win.to : '' })),
  ];
}

/** Reads a form: the window as days or from/to, plus every other named field. */
export function formParams(form) {
  const data = new FormData(form);
  const out = {};
  for (const [k, v] of data.entries()) if (typeof v === 'string' && v !== '') out[k] = v;
  if (out.from || out.to) delete out.days;
  return out;
}

/** A filter form that navigates on submit. */
export function filterForm(id, fields, onSubmit, submitLabel = 'Apply') {
  const form = h('form', { id, class: 'filters' }, fields, h('div', { class: 'field actions' }, h('button', { type: 'submit' }, submitLabel)));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onSubmit(formParams(form));
  });
  return form;
}

/**
 * A list read page by page with the API's cursors: `fetchPage(after)` returns a connection; `row(edge)` the
 * cells of one row. "Load more" appends the next page. `dataset.total` holds the connection's totalCount.
 */
export function pagedTable(id, headers, fetchPage, row, emptyText = 'Nothing matches.') {
  const tbody = h('tbody');
  const tableEl = h('table', { id }, h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), tbody);
  const status = h('p', { class: 'count', role: 'status' });
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Load more');
  const el = h('div', { class: 'paged' }, status, h('div', { class: 'table-wrap' }, tableEl), more);
  const rows = [];
  let after = null;
  const loadNext = async () => {
    more.disabled = true;
    const conn = await fetchPage(after);
    for (const edge of conn.edges) {
      rows.push(edge);
      tbody.appendChild(h('tr', {}, row(edge).map((c) => h('td', {}, c))));
    }
    tableEl.dataset.total = String(conn.totalCount);
    replace(status, conn.totalCount === 0 ? emptyText : `${rows.length.toLocaleString('en-US')} of ${conn.totalCount.toLocaleString('en-US')} shown`);
    after = conn.pageInfo.endCursor;
    more.hidden = !conn.pageInfo.hasNextPage;
    more.disabled = false;
  };
  more.addEventListener('click', () => loadNext().catch((err) => el.appendChild(note(err.message, 'error'))));
  return { el, rows, first: loadNext() };
}
