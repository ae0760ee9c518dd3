// #/activities: search by time, type, category, actor, API key and group membership as of the event, paged with
// the API's cursors; #/activity/<id>: one activity as the API returned it, as text.
import { gql } from './api.js';
import { h, note, route } from './dom.js';
import { timeWindow, when } from './format.js';
import { field, filterForm, heading, pagedTable, windowFields } from './widgets.js';

export const CATEGORIES = ['admin', 'authentication', 'content', 'api_access', 'code', 'integration', 'other'];
const ACTIVITY_FIELDS = 'id createdAt type category organizationId organizationUuid isOwnRequest actor { type userId email ip userAgent apiKeyId } details';
const LIST = `query Activities($filter: ActivityFilter, $after: String) {
  activities(first: 50, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${ACTIVITY_FIELDS} } } }
}`;
const ONE = `query Activity($id: ID!, $createdAt: DateTime) { activity(id: $id, createdAt: $createdAt) { ${ACTIVITY_FIELDS} } }`;
const GROUPS = `query ActivityGroups { groups(first: 500) { edges { node { id name } } } }`;

const list = (text) => (text ? text.split(',').map((s) => s.trim()).filter(Boolean) : null);

/** The ActivityFilter the page's parameters ask for. */
export function activityFilter(params) {
  const win = timeWindow(params, 30);
  const filter = { since: win.since, until: win.until };
  const types = list(params.get('type'));
  if (types) filter.types = types;
  if (params.get('category')) filter.categories = [params.get('category')];
  const actors = list(params.get('actor'));
  if (actors) {
    const emails = actors.filter((a) => a.includes('@'));
    const ids = actors.filter((a) => !a.includes('@'));
    if (emails.length) filter.actorEmails = emails;
    if (ids.length) filter.actorUserIds = ids;
  }
  const keys = list(params.get('apiKey'));
  if (keys) filter.apiKeyIds = keys;
  if (params.get('group')) filter.actorInGroup = { groupId: params.get('group'), asOfEventTime: params.get('groupWhen') !== 'now' };
  return { win, filter };
}

export async function renderActivities(container, _id, params, ctx) {
  const { win, filter } = activityFilter(params);
  const groups = (await gql(GROUPS)).groups.edges.map((e) => e.node);
  const input = (name, label, extra = {}) => field(label, h('input', { type: 'text', name, id: `f-${name}`, value: params.get(name) ?? '', ...extra }));
  container.append(
    heading('Activities'),
    filterForm(
      'activity-filters',
      [
        windowFields(win, params),
        input('type', 'Types (comma-separated)', { placeholder: 'org_sso_toggled, …' }),
        field('Category', h('select', { name: 'category', id: 'f-category' }, h('option', { value: '' }, 'Any'), CATEGORIES.map((c) => h('option', { value: c, selected: params.get('category') === c }, c)))),
        input('actor', 'Actor (user ids or emails)'),
        input('apiKey', 'API key ids'),
        field('Actor in group', h('select', { name: 'group', id: 'f-group' }, h('option', { value: '' }, 'Any'), groups.map((g) => h('option', { value: g.id, selected: params.get('group') === g.id }, g.name ?? g.id)))),
        field(
          'Membership',
          h(
            'select',
            { name: 'groupWhen', id: 'f-group-when' },
            h('option', { value: 'event', selected: params.get('groupWhen') !== 'now' }, 'as of the event'),
            h('option', { value: 'now', selected: params.get('groupWhen') === 'now' }, 'now'),
          ),
        ),
      ],
      (p) => ctx.go('activities', p),
      'Search',
    ),
  );
  const table = pagedTable(
    'activities',
    ['Time (UTC)', 'Type', 'Category', 'Actor', 'IP', 'API key'],
    async (after) => (await gql(LIST, { filter, after })).activities,
    ({ node: a }) => [
      h('a', { href: `${route('activity', a.id)}?at=${encodeURIComponent(a.createdAt)}` }, when(a.createdAt)),
      a.type,
      a.category,
      a.actor.userId ? h('a', { href: route('user', a.actor.userId) }, a.actor.email ?? a.actor.userId) : (a.actor.email ?? a.actor.type ?? ''),
      a.actor.ip ?? '',
      a.actor.apiKeyId ?? '',
    ],
    'No activity matches these filters in this window.',
  );
  container.append(table.el);
  await table.first;
}

export async function renderActivity(container, id, params) {
  const at = params.get('at');
  const a = (await gql(ONE, { id, createdAt: at && !Number.isNaN(Date.parse(at)) ? at : null })).activity;
  container.append(heading(`Activity ${id}`));
  if (!a) {
    container.append(note(`The warehouse holds no activity ${id}${at ? ` at ${at}` : ''}.`, 'error'));
    return;
  }
  container.append(
    h(
      'p',
      {},
      `${a.type} (${a.category}) at ${when(a.createdAt)} by `,
      a.actor.userId ? h('a', { href: route('user', a.actor.userId) }, a.actor.email ?? a.actor.userId) : (a.actor.email ?? a.actor.type ?? 'an unknown actor'),
    ),
    h('h2', {}, 'As the API returned it'),
    h('pre', { class: 'raw', id: 'activity-json', tabindex: '0' }, JSON.stringify(a, null, 2)),
  );
}
