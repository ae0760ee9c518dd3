// #/alerts: alerts with filters; #/alert/<id>: one alert with its evidence timeline, and acknowledge / resolve /
// reopen for a session signed in with the write token.
import { gql } from './api.js';
import { h, note, replace, route } from './dom.js';
import { timeWindow, when } from './format.js';
import { field, filterForm, heading, pagedTable, windowFields } from './widgets.js';
import { LEVELS } from './page-overview.js';

const STATUSES = ['OPEN', 'ACKNOWLEDGED', 'RESOLVED'];
const LIST = `query Alerts($filter: AlertFilter, $after: String) {
  alerts(first: 50, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id level status summary entity { type id } firstSeen lastSeen evidenceCount historical rule { id title } } }
  }
}`;
const RULES = `query AlertRules { rules { id title } }`;
const ONE = `query Alert($id: ID!) {
  alert(id: $id) {
    id level status summary entity { type id } windowStart windowEnd firstSeen lastSeen historical evidenceCount createdAt
    acknowledgedBy acknowledgedAt resolvedBy resolvedAt
    rule { id title description mitre kind window }
    actor { userId asOf user { email fullName organizationRole } groups { groupId name since } }
    activities(first: 200) { totalCount edges { activityId createdAt node { type category actor { email ip userAgent } } actor { email } } }
    statusChanges { from to by at note }
  }
}`;
const ACTIONS = {
  acknowledge: { label: 'Acknowledge', from: ['OPEN'], mutation: 'acknowledgeAlert' },
  resolve: { label: 'Resolve', from: ['OPEN', 'ACKNOWLEDGED'], mutation: 'resolveAlert' },
  reopen: { label: 'Reopen', from: ['ACKNOWLEDGED', 'RESOLVED'], mutation: 'reopenAlert' },
};
/** Who acts: remembered in this browser only (it is a name, not a secret). */
const BY_KEY = 'compliance-lake.console.by';

export async function renderAlerts(container, _id, params, ctx) {
  const windowGiven = (params.has('days') && params.get('days') !== 'all') || params.has('from') || params.has('to');
  const win = timeWindow(params, 30);
  const filter = {};
  if (windowGiven) Object.assign(filter, { since: win.since, until: win.until });
  if (STATUSES.includes(params.get('status'))) filter.status = [params.get('status')];
  if (LEVELS.includes(params.get('level'))) filter.levels = [params.get('level')];
  if (params.get('rule')) filter.ruleIds = [params.get('rule')];
  if (params.get('user')) filter.userId = params.get('user');
  if (params.get('historical') === 'yes' || params.get('historical') === 'no') filter.historical = params.get('historical') === 'yes';
  const rules = (await gql(RULES)).rules;
  const select = (name, label, options) =>
    field(label, h('select', { name, id: `f-${name}` }, h('option', { value: '' }, 'Any'), options.map(([value, text]) => h('option', { value, selected: params.get(name) === value }, text))));
  container.append(
    heading('Alerts'),
    filterForm(
      'alert-filters',
      [
        select('status', 'Status', STATUSES.map((s) => [s, s.toLowerCase()])),
        select('level', 'Level', LEVELS.map((l) => [l, l.toLowerCase()])),
        select('rule', 'Rule', rules.map((r) => [r.id, r.title])),
        select('historical', 'Found by', [['no', 'live evaluation'], ['yes', 'retro hunt']]),
        field('User id', h('input', { type: 'text', name: 'user', id: 'f-user', value: params.get('user') ?? '' })),
        windowFields(win, params, [1, 7, 30, 90, 365], true),
      ],
      (p) => ctx.go('alerts', p),
      'Filter',
    ),
  );
  const list = pagedTable(
    'alerts',
    ['Last evidence (UTC)', 'Level', 'Status', 'Rule', 'About', 'Summary', 'Evidence'],
    async (after) => (await gql(LIST, { filter, after })).alerts,
    ({ node: a }) => [
      h('a', { href: route('alert', a.id) }, when(a.lastSeen)),
      h('span', { class: `level ${a.level.toLowerCase()}` }, a.level.toLowerCase()),
      a.status.toLowerCase(),
      a.rule.title,
      a.entity.type === 'USER' ? h('a', { href: route('user', a.entity.id) }, a.entity.id) : `${a.entity.type.toLowerCase()} ${a.entity.id}`,
      a.summary,
      String(a.evidenceCount),
    ],
    'No alert matches.',
  );
  container.append(list.el);
  await list.first;
}

function actions(alert, ctx) {
  if (!ctx.viewer.writable) {
    return note(ctx.viewer.authenticated ? 'Signed in with the read token: sign out and sign in with the write token to acknowledge or resolve alerts.' : 'Acknowledging and resolving need the write token.');
  }
  const by = h('input', { type: 'text', name: 'by', id: 'f-by', required: true, maxlength: '200', value: localStorage.getItem(BY_KEY) ?? '', autocomplete: 'name' });
  const why = h('input', { type: 'text', name: 'note', id: 'f-note', maxlength: '2000' });
  const status = h('div', { id: 'action-status' });
  const form = h('form', { id: 'alert-actions', class: 'filters' }, field('Your name', by), field('Note (why)', why));
  for (const [key, action] of Object.entries(ACTIONS)) {
    if (!action.from.includes(alert.status)) continue;
    const button = h('button', { type: 'button', id: `alert-${key}` }, action.label);
    button.addEventListener('click', async () => {
      if (!by.reportValidity()) return;
      localStorage.setItem(BY_KEY, by.value);
      button.disabled = true;
      try {
        await gql(`mutation Change($id: ID!, $by: String!, $note: String) { ${action.mutation}(id: $id, by: $by, note: $note) { id status } }`, {
          id: alert.id,
          by: by.value,
          note: why.value || null,
        });
        ctx.go('alert', {}, alert.id);
      } catch (err) {
        replace(status, note(err.message, 'error'));
        button.disabled = false;
      }
    });
    form.appendChild(h('div', { class: 'field actions' }, button));
  }
  form.addEventListener('submit', (event) => event.preventDefault());
  return h('div', {}, form, status);
}

export async function renderAlert(container, id, _params, ctx) {
  const a = (await gql(ONE, { id })).alert;
  if (!a) {
    container.append(heading('Alert'), note(`No alert ${id}.`, 'error'));
    return;
  }
  const evidence = a.activities.edges;
  const t0 = evidence.length ? Date.parse(evidence[0].createdAt) : 0;
  const offset = (iso) => {
    const s = Math.round((Date.parse(iso) - t0) / 1000);
    return s < 60 ? `+${s} s` : s < 3600 ? `+${Math.round(s / 60)} min` : s < 172800 ? `+${(s / 3600).toFixed(1)} h` : `+${(s / 86400).toFixed(1)} d`;
  };
  container.append(
    heading(a.summary),
    h(
      'dl',
      { class: 'facts', id: 'alert-facts' },
      h('dt', {}, 'Level'), h('dd', {}, h('span', { class: `level ${a.level.toLowerCase()}` }, a.level.toLowerCase())),
      h('dt', {}, 'Status'), h('dd', { id: 'alert-status' }, a.status.toLowerCase()),
      h('dt', {}, 'Rule'), h('dd', {}, `${a.rule.title} (${a.rule.id}${a.rule.mitre.length ? `; MITRE ${a.rule.mitre.join(', ')}` : ''})`),
      h('dt', {}, 'About'), h('dd', {}, a.entity.type === 'USER' ? h('a', { href: route('user', a.entity.id) }, a.entity.id) : `${a.entity.type.toLowerCase()} ${a.entity.id}`),
      h('dt', {}, 'Window'), h('dd', {}, `${when(a.windowStart)} – ${when(a.windowEnd)}`),
      h('dt', {}, 'Seen'), h('dd', {}, `${when(a.firstSeen)} – ${when(a.lastSeen)}${a.historical ? ' (retro hunt)' : ''}`),
      a.actor?.user ? [h('dt', {}, 'Actor then'), h('dd', {}, `${a.actor.user.email ?? ''} · ${a.actor.user.fullName ?? ''} · ${a.actor.user.organizationRole ?? ''}`)] : null,
      a.actor?.groups?.length ? [h('dt', {}, 'Their groups then'), h('dd', {}, a.actor.groups.map((g) => `${g.name ?? g.groupId} (since ${when(g.since)})`).join('; '))] : null,
    ),
    a.rule.description ? h('p', { class: 'hint' }, a.rule.description) : null,
    h('section', { class: 'card', 'aria-labelledby': 'actions-title' }, h('h2', { id: 'actions-title' }, 'Status'), actions(a, ctx),
      a.statusChanges.length ? h('ul', { id: 'status-changes' }, a.statusChanges.map((c) => h('li', {}, `${when(c.at)}: ${c.from.toLowerCase()} → ${c.to.toLowerCase()} by ${c.by}${c.note ? ` (${c.note})` : ''}`))) : null),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'evidence-title' },
      h('h2', { id: 'evidence-title' }, `Evidence timeline (${a.activities.totalCount})`),
      h(
        'ol',
        { class: 'evidence', id: 'evidence' },
        evidence.map((e) =>
          h(
            'li',
            {},
            h('span', { class: 'when' }, when(e.createdAt), h('span', { class: 'sub' }, ` ${offset(e.createdAt)}`)),
            ' ',
            h('a', { href: `${route('activity', e.activityId)}?at=${encodeURIComponent(e.createdAt)}` }, e.node?.type ?? e.activityId),
            ' ',
            h('span', { class: 'sub' }, `${e.actor?.email ?? e.node?.actor.email ?? ''} ${e.node?.actor.ip ?? ''}`),
          ),
        ),
      ),
      a.activities.totalCount > evidence.length ? note(`The first ${evidence.length} are shown.`) : null,
    ),
  );
}
