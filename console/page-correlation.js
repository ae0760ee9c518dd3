// #/correlation: admin actions by recently added group members (Query.adminActionsByRecentGroupMembers): a
// group, the days-since-added limit and a window; each row shows the action, the actor as of the event and the
// membership it came through. "Save CSV" writes the rows shown, built in the page.
import { gql } from './api.js';
import { h, note, route } from './dom.js';
import { csv, num, timeWindow, when } from './format.js';
import { field, filterForm, heading, pagedTable, windowFields } from './widgets.js';

const GROUPS = `query CorrelationGroups { groups(first: 500) { edges { node { id name isCurrent } } } }`;
const HEADLINE = `query Correlation($groupId: ID!, $days: Int!, $since: DateTime, $until: DateTime, $after: String) {
  adminActionsByRecentGroupMembers(groupId: $groupId, addedWithinDays: $days, since: $since, until: $until, first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      daysSinceAdded
      node { id createdAt type actor { userId email ip } }
      actor { id email fullName organizationRole }
      membership { groupId validFrom validFromSource validTo validToSource }
    }
  }
}`;

export const CSV_HEADERS = ['activity_id', 'created_at', 'type', 'actor_user_id', 'actor_email', 'actor_name', 'actor_role', 'actor_ip', 'group_id', 'member_since', 'member_since_source', 'member_until', 'days_since_added'];

export function csvRow(e) {
  return [
    e.node.id, e.node.createdAt, e.node.type, e.node.actor.userId, e.actor?.email ?? e.node.actor.email, e.actor?.fullName, e.actor?.organizationRole,
    e.node.actor.ip, e.membership.groupId, e.membership.validFrom, e.membership.validFromSource, e.membership.validTo, e.daysSinceAdded.toFixed(3),
  ];
}

export async function renderCorrelation(container, _id, params, ctx) {
  const win = timeWindow(params, 90);
  const groupId = params.get('group') ?? '';
  const days = Number.parseInt(params.get('addedWithin') ?? '30', 10) || 30;
  const groups = (await gql(GROUPS)).groups.edges.map((e) => e.node);
  const picker = h(
    'select',
    { name: 'group', id: 'f-group', required: true },
    h('option', { value: '' }, 'Choose a group…'),
    groups.map((g) => h('option', { value: g.id, selected: g.id === groupId }, `${g.name ?? g.id}${g.isCurrent ? '' : ' (deleted)'}`)),
  );
  container.append(
    heading('Admin actions by recently added group members'),
    filterForm(
      'correlation-form',
      [field('Group', picker), field('Added at most (days) before the action', h('input', { type: 'number', name: 'addedWithin', id: 'f-added-within', min: '0', max: '3650', value: String(days) })), windowFields(win, params, [7, 30, 90, 365])],
      (p) => ctx.go('correlation', p),
      'Show',
    ),
  );
  if (!groupId) {
    container.append(note(groups.length ? 'Choose a group to see the admin actions of its recently added members.' : 'The warehouse holds no groups yet.'));
    return;
  }
  const group = groups.find((g) => g.id === groupId);
  container.append(h('p', { class: 'window', id: 'window' }, `Members of ${group?.name ?? groupId} added at most ${days} days before the action; actions from ${win.from} to ${win.to} (UTC).`));
  const list = pagedTable(
    'correlation-rows',
    ['Time (UTC)', 'Action', 'Actor as of the event', 'Membership it came through', 'Days since added'],
    async (after) => (await gql(HEADLINE, { groupId, days, since: win.since, until: win.until, after })).adminActionsByRecentGroupMembers,
    (e) => [
      h('a', { href: route('activity', e.node.id) }, when(e.node.createdAt)),
      e.node.type,
      h(
        'span',
        {},
        h('a', { href: route('user', e.node.actor.userId) }, e.actor?.email ?? e.node.actor.email ?? e.node.actor.userId),
        e.actor ? h('span', { class: 'sub' }, ` ${e.actor.fullName ?? ''} · ${e.actor.organizationRole ?? ''}`) : null,
      ),
      h('span', {}, `${group?.name ?? e.membership.groupId} since ${when(e.membership.validFrom)} (${e.membership.validFromSource ?? 'unknown'})`, e.membership.validTo ? ` until ${when(e.membership.validTo)}` : ''),
      e.daysSinceAdded.toFixed(2),
    ],
    'No admin action by a member added that recently in this window.',
  );
  const save = h('button', { type: 'button', id: 'save-csv' }, 'Save CSV');
  save.addEventListener('click', () => {
    const blob = new Blob([csv(CSV_HEADERS, list.rows.map(csvRow))], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = h('a', {});
    a.href = url; // a blob: URL the page made itself, never one from data
    a.download = `admin-actions-${groupId}-${win.from}-${win.to}.csv`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  container.append(h('div', { class: 'toolbar' }, save, h('span', { class: 'hint' }, ' the rows shown (load more first for more)')), list.el);
  await list.first;
  container.append(h('span', { hidden: true, id: 'rows-loaded' }, num(list.rows.length)));
}
