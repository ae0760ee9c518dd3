// #/people (search users and groups), #/user/<id> (versions, memberships over time, activity per day, latest
// activities, chats and projects), #/group/<id> (members as of a date, membership changes).
import { gql } from './api.js';
import { h, note, route, table } from './dom.js';
import { dayChart } from './chart.js';
import { dayEnd, isoDay, num, timeWindow, when } from './format.js';
import { field, filterForm, heading, pagedTable, section } from './widgets.js';

const SEARCH = `query People($email: String, $name: String) {
  users(first: 50, filter: { emailContains: $email }) { totalCount edges { node { id email fullName organizationRole isCurrent removedAt } } }
  groups(first: 100, filter: { nameContains: $name }) { totalCount edges { node { id name sourceType isCurrent } } }
}`;
const USER = `query UserPage($id: ID!) {
  user(id: $id) {
    id email fullName organizationRole isCurrent removedAt removedAtSource
    versions { email fullName organizationRole validFrom validTo isCurrent }
    membershipHistory(first: 500) { groupId validFrom validFromSource validTo validToSource validToEarliest validToLatest isCurrent group { name } }
  }
}`;
const USER_DAYS = `query UserDays($id: ID!, $filter: ActivityFilter) { activityCounts(by: DAY, filter: $filter) { bucket count } user(id: $id) { id } }`;
const USER_ACTIVITIES = `query UserActivities($id: ID!, $after: String) {
  user(id: $id) { activities(first: 25, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id createdAt type category actor { ip } } } } }
}`;
const USER_CONTENT = `query UserContent($id: ID!) {
  chats(first: 50, filter: { userIds: [$id] }) { totalCount edges { node { id name model projectId createdAt deletedAt } } }
  projects(first: 50, filter: { userIds: [$id] }) { totalCount edges { node { id name isPrivate createdAt deletedAt chatCount } } }
}`;
const GROUP = `query GroupPage($id: ID!, $asOf: DateTime) {
  group(id: $id) {
    id name description sourceType isCurrent firstSeen lastSeen
    members(first: 500, asOf: $asOf) { totalCount edges { node { id email fullName organizationRole } membership { validFrom validFromSource } } }
  }
}`;
const CHANGES = `query GroupChanges($id: ID!, $after: String) {
  group(id: $id) { membershipChanges(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { at kind source userId user { email } } } } }
}`;

export async function renderPeople(container, _id, params, ctx) {
  const q = params.get('q') ?? '';
  container.append(
    heading('People'),
    filterForm('people-search', [field('Email or group name contains', h('input', { type: 'search', name: 'q', id: 'f-q', value: q, maxlength: '200' }))], (p) => ctx.go('people', p), 'Search'),
  );
  const d = await gql(SEARCH, { email: q || null, name: q || null });
  const users = d.users.edges.map((e) => e.node);
  const groups = d.groups.edges.map((e) => e.node);
  container.append(
    h(
      'div',
      {},
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'users-title' },
        h('h2', { id: 'users-title' }, `Users (${num(d.users.totalCount)})`),
        users.length
          ? table(
              ['Email', 'Name', 'Role', 'Status'],
              users.map((u) => [h('a', { href: route('user', u.id) }, u.email ?? u.id), u.fullName ?? '', u.organizationRole ?? '', u.isCurrent && !u.removedAt ? 'member' : `removed ${when(u.removedAt)}`]),
              { id: 'users' },
            )
          : note('No user matches.'),
        d.users.totalCount > users.length ? note(`The first ${users.length} are shown; narrow the search.`) : null,
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'groups-title' },
        h('h2', { id: 'groups-title' }, `Groups (${num(d.groups.totalCount)})`),
        groups.length ? table(['Name', 'Source', 'Status'], groups.map((g) => [h('a', { href: route('group', g.id) }, g.name ?? g.id), g.sourceType ?? '', g.isCurrent ? 'exists' : 'deleted']), { id: 'groups' }) : note('No group matches.'),
      ),
    ),
  );
}

/** Memberships as bars on a time axis (CSS widths in %, no script of the data's in it). */
function timeline(memberships, now) {
  if (!memberships.length) return note('No group membership in the lake.');
  const starts = memberships.map((m) => (m.validFrom ? Date.parse(m.validFrom) : null)).filter((x) => x !== null);
  const lo = Math.min(...starts, ...memberships.map((m) => (m.validTo ? Date.parse(m.validTo) : now)));
  const hi = now;
  const span = Math.max(1, hi - lo);
  const pct = (t) => `${(((t - lo) / span) * 100).toFixed(2)}%`;
  return h(
    'div',
    { class: 'timeline', id: 'membership-timeline' },
    h('div', { class: 'axis' }, h('span', {}, isoDay(lo)), h('span', {}, isoDay(hi))),
    memberships.map((m) => {
      const from = m.validFrom ? Date.parse(m.validFrom) : lo;
      const to = m.validTo ? Date.parse(m.validTo) : hi;
      const bar = h('span', { class: `bar${m.isCurrent ? ' current' : ''}`, title: `${when(m.validFrom)} – ${m.validTo ? when(m.validTo) : 'now'}` });
      // widths from numbers the page computed; style attributes are allowed by the CSP's style-src
      bar.style.marginLeft = pct(from);
      bar.style.width = `max(3px, ${pct(lo + (to - from))})`;
      return h(
        'div',
        { class: 'lane' },
        h('a', { class: 'lane-name', href: route('group', m.groupId) }, m.group?.name ?? m.groupId),
        h('div', { class: 'track' }, bar),
        h('span', { class: 'lane-dates' }, `${m.validFrom ? when(m.validFrom) : 'before the history'} (${m.validFromSource ?? 'unknown'}) – ${m.validTo ? `${when(m.validTo)} (${m.validToSource ?? ''})` : 'now'}`),
      );
    }),
  );
}

export async function renderUser(container, id, params) {
  const d = await gql(USER, { id });
  const u = d.user;
  if (!u) {
    container.append(heading('User'), note(`No user ${id} in the warehouse.`, 'error'));
    return;
  }
  // the window ends on the day of their latest activity (or today), unless the route names one
  const newest = (await gql(USER_ACTIVITIES, { id, after: null })).user.activities.edges[0]?.node.createdAt;
  const win = timeWindow(params.has('to') || !newest ? params : new URLSearchParams({ ...Object.fromEntries(params), to: newest.slice(0, 10) }), 30);
  container.append(
    heading(u.email ?? u.id),
    h(
      'dl',
      { class: 'facts', id: 'user-facts' },
      h('dt', {}, 'User id'), h('dd', {}, u.id),
      h('dt', {}, 'Name'), h('dd', {}, u.fullName ?? '—'),
      h('dt', {}, 'Role'), h('dd', {}, u.organizationRole ?? '—'),
      h('dt', {}, 'Status'), h('dd', {}, u.removedAt ? `removed ${when(u.removedAt)} (${u.removedAtSource ?? ''})` : 'member'),
    ),
    h('p', {}, h('a', { href: `#/activities?actor=${encodeURIComponent(u.id)}` }, 'All their activities'), ' · ', h('a', { href: `#/alerts?user=${encodeURIComponent(u.id)}` }, 'Their alerts')),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'versions-title' },
      h('h2', { id: 'versions-title' }, 'Versions over time'),
      table(['From', 'Until', 'Email', 'Name', 'Role'], u.versions.map((v) => [v.validFrom ? when(v.validFrom) : 'before the history', v.validTo ? when(v.validTo) : 'now', v.email ?? '', v.fullName ?? '', v.organizationRole ?? '']), { id: 'versions' }),
    ),
    h('section', { class: 'card', 'aria-labelledby': 'memberships-title' }, h('h2', { id: 'memberships-title' }, 'Group memberships over time'), timeline(u.membershipHistory, Date.now())),
  );
  const perDay = section('user-activity', `Activity per day, ${win.from} to ${win.to}`, async () => {
    const rows = (await gql(USER_DAYS, { id, filter: { since: win.since, until: win.until, actorUserIds: [id] } })).activityCounts;
    const days = [];
    for (let t = Date.parse(win.since); t < Date.parse(win.until); t += 86_400_000) days.push(new Date(t).toISOString());
    const byDay = new Map(rows.map((r) => [r.bucket.slice(0, 10), r.count]));
    const total = rows.reduce((a, r) => a + r.count, 0);
    return [h('p', { id: 'user-activity-total' }, `${num(total)} activities in the window.`), total ? dayChart('Their activities per UTC day', days, [{ name: 'activities', values: days.map((x) => byDay.get(x.slice(0, 10)) ?? 0) }]) : null];
  });
  const latest = section('user-latest', 'Latest activities', async () => {
    const list = pagedTable(
      'user-activities',
      ['Time (UTC)', 'Type', 'Category', 'IP'],
      async (after) => (await gql(USER_ACTIVITIES, { id, after })).user.activities,
      (e) => [h('a', { href: route('activity', e.node.id) }, when(e.node.createdAt)), e.node.type, e.node.category, e.node.actor.ip ?? ''],
    );
    await list.first;
    return list.el;
  });
  const content = section('user-content', 'Chats and projects', async () => {
    const c = await gql(USER_CONTENT, { id });
    return h(
      'div',
      { class: 'two' },
      h('div', {}, h('h3', {}, `Chats (${num(c.chats.totalCount)})`), table(['Created', 'Name', 'Model', 'Deleted'], c.chats.edges.map(({ node: x }) => [when(x.createdAt), x.name ?? '', x.model ?? '', x.deletedAt ? when(x.deletedAt) : '']), { id: 'user-chats' })),
      h('div', {}, h('h3', {}, `Projects (${num(c.projects.totalCount)})`), table(['Created', 'Name', 'Private', 'Chats', 'Deleted'], c.projects.edges.map(({ node: x }) => [when(x.createdAt), x.name ?? '', x.isPrivate ? 'yes' : 'no', num(x.chatCount), x.deletedAt ? when(x.deletedAt) : '']), { id: 'user-projects' })),
    );
  });
  container.append(perDay.el, latest.el, content.el);
  await Promise.all([perDay.done, latest.done, content.done]);
}

export async function renderGroup(container, id, params, ctx) {
  const asOfDay = /^\d{4}-\d{2}-\d{2}$/.test(params.get('asOf') ?? '') ? params.get('asOf') : '';
  // "as of a day" means at the end of that UTC day
  const asOf = asOfDay ? dayEnd(asOfDay) : null;
  const d = await gql(GROUP, { id, asOf });
  const g = d.group;
  if (!g) {
    container.append(heading('Group'), note(`No group ${id} in the warehouse.`, 'error'));
    return;
  }
  container.append(
    heading(g.name ?? g.id),
    h('p', {}, `${g.description ?? ''} · ${g.sourceType ?? ''} · ${g.isCurrent ? 'exists' : `deleted (last seen ${when(g.lastSeen)})`} · `, h('a', { href: `#/correlation?group=${encodeURIComponent(g.id)}` }, 'Admin actions by recent members')),
    filterForm('group-asof', [field('Members as of the end of (UTC)', h('input', { type: 'date', name: 'asOf', id: 'f-asof', value: asOfDay }))], (p) => ctx.go('group', p, id), 'Show'),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'members-title' },
      h('h2', { id: 'members-title' }, `Members ${asOfDay ? `at the end of ${asOfDay}` : 'now'} (${num(g.members.totalCount)})`),
      g.members.edges.length
        ? table(['Email', 'Name', 'Role', 'Member since'], g.members.edges.map((e) => [h('a', { href: route('user', e.node.id) }, e.node.email ?? e.node.id), e.node.fullName ?? '', e.node.organizationRole ?? '', `${when(e.membership.validFrom)} (${e.membership.validFromSource ?? 'unknown'})`]), { id: 'members' })
        : note('No members then.'),
    ),
  );
  const changes = section('group-changes', 'Membership changes', async () => {
    const list = pagedTable(
      'membership-changes',
      ['Time (UTC)', 'Change', 'User', 'Source'],
      async (after) => (await gql(CHANGES, { id, after })).group.membershipChanges,
      (e) => [when(e.node.at), e.node.kind === 'ADDED' ? 'added' : 'removed', h('a', { href: route('user', e.node.userId) }, e.node.user?.email ?? e.node.userId), e.node.source ?? ''],
    );
    await list.first;
    return list.el;
  });
  container.append(changes.el);
  await changes.done;
}
