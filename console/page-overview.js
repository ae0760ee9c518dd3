// #/overview: activity per day by category over a window, sync status per stream, open alerts by level, the
// most frequent types and actors in the window. Each part is its own query, shown as soon as it answers.
import { gql } from './api.js';
import { h, note, route, table } from './dom.js';
import { dayChart } from './chart.js';
import { duration, num, timeWindow, when } from './format.js';
import { filterForm, heading, section, windowFields } from './widgets.js';

export const LEVELS = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];

const CATEGORY_COUNTS = `query OverviewCategories($filter: ActivityFilter) {
  activityCountsByCategory(by: DAY, filter: $filter) { bucket category count }
}`;
const SYNC = `query OverviewSync {
  syncStatus {
    generatedAt warehouseBuiltAt stateAvailable
    lastRun { runId startedAt finishedAt status }
    streams { stream lastSuccessAt lastAttemptStatus lastError lagSeconds records coverageEvents lastCoverageEventAt }
  }
}`;
const OPEN_ALERTS = `query OverviewAlerts {
  ${LEVELS.map((l) => `${l.toLowerCase()}: alerts(first: 1, filter: { status: [OPEN], levels: [${l}] }) { totalCount }`).join('\n  ')}
}`;
const TOP = `query OverviewTop($filter: ActivityFilter) {
  topActivityTypes(first: 10, filter: $filter) { type category count }
  topActors(first: 10, filter: $filter) { type userId apiKeyId email count }
}`;

export function actorLabel(a) {
  if (a.userId) return h('a', { href: route('user', a.userId) }, a.email ?? a.userId);
  if (a.apiKeyId) return h('a', { href: `#/activities?apiKey=${encodeURIComponent(a.apiKeyId)}` }, `API key ${a.apiKeyId}`);
  return a.email ?? a.type ?? '—';
}

export async function renderOverview(container, _id, params, ctx) {
  const win = timeWindow(params, 30);
  const filter = { since: win.since, until: win.until };
  container.append(
    heading('Overview'),
    filterForm('overview-window', windowFields(win, params), (p) => ctx.go('overview', p)),
    h('p', { class: 'window', id: 'window' }, `Window: ${win.from} to ${win.to} (UTC, both days included). Read ${new Date().toISOString().slice(11, 16)} UTC; refreshed every 5 minutes while shown.`),
  );

  const chart = section('activity-by-category', 'Activity per day by category', async () => {
    const rows = (await gql(CATEGORY_COUNTS, { filter })).activityCountsByCategory;
    if (rows.length === 0) return note('No activity in this window.');
    const days = [];
    for (let t = Date.parse(win.since); t < Date.parse(win.until); t += 86_400_000) days.push(new Date(t).toISOString());
    const categories = [...new Set(rows.map((r) => r.category))].sort();
    const index = new Map(days.map((d, i) => [d.slice(0, 10), i]));
    const series = categories.map((name) => ({ name, values: days.map(() => 0) }));
    const totals = new Map(categories.map((c) => [c, 0]));
    for (const r of rows) {
      const i = index.get(r.bucket.slice(0, 10));
      if (i !== undefined) series[categories.indexOf(r.category)].values[i] = r.count;
      totals.set(r.category, totals.get(r.category) + r.count);
    }
    const total = [...totals.values()].reduce((a, b) => a + b, 0);
    return [
      dayChart('Activities per UTC day', days, series),
      table(
        ['Category', 'Activities'],
        [...categories.map((c) => [h('a', { href: `#/activities?category=${encodeURIComponent(c)}&from=${win.from}&to=${win.to}` }, c), num(totals.get(c))]), ['All', num(total)]],
        { id: 'category-totals' },
      ),
      h(
        'details',
        {},
        h('summary', {}, 'The numbers per day'),
        table(
          ['Day', ...categories],
          days.map((d, i) => [d.slice(0, 10), ...series.map((s) => num(s.values[i]))]),
          { id: 'per-day' },
        ),
      ),
    ];
  });

  const sync = section('sync-status', 'Sync status', async () => {
    const s = (await gql(SYNC)).syncStatus;
    if (!s.stateAvailable) return note('No sync has run yet: run `compliance-lake sync` (or start `run`) and reload.');
    return [
      h(
        'p',
        {},
        `Last run: ${s.lastRun ? `${s.lastRun.status ?? 'running'}, started ${when(s.lastRun.startedAt)}` : '—'}. Warehouse built ${when(s.warehouseBuiltAt)}.`,
      ),
      table(
        ['Stream', 'Last success', 'Lag', 'Records', 'Coverage events', 'Last attempt'],
        s.streams.map((x) => [
          x.stream,
          when(x.lastSuccessAt),
          duration(x.lagSeconds),
          num(x.records),
          x.coverageEvents ? `${num(x.coverageEvents)} (last ${when(x.lastCoverageEventAt)})` : '0',
          x.lastError ? h('span', { class: 'bad' }, `${x.lastAttemptStatus ?? 'failed'}: ${x.lastError}`) : (x.lastAttemptStatus ?? '—'),
        ]),
        { id: 'sync-streams' },
      ),
    ];
  });

  const alerts = section('open-alerts', 'Open alerts by level', async () => {
    const d = await gql(OPEN_ALERTS);
    return table(
      ['Level', 'Open alerts'],
      LEVELS.map((l) => [h('a', { href: `#/alerts?status=OPEN&level=${l}` }, l.toLowerCase()), num(d[l.toLowerCase()].totalCount)]),
      { id: 'open-alerts-table' },
    );
  });

  const top = section('top', 'Most frequent in the window', async () => {
    const d = await gql(TOP, { filter });
    return h(
      'div',
      { class: 'two' },
      h(
        'div',
        {},
        h('h3', {}, 'Types'),
        table(
          ['Type', 'Category', 'Activities'],
          d.topActivityTypes.map((t) => [h('a', { href: `#/activities?type=${encodeURIComponent(t.type)}&from=${win.from}&to=${win.to}` }, t.type), t.category, num(t.count)]),
          { id: 'top-types' },
        ),
      ),
      h('div', {}, h('h3', {}, 'Actors'), table(['Actor', 'Activities'], d.topActors.map((a) => [actorLabel(a), num(a.count)]), { id: 'top-actors' })),
    );
  });

  container.append(chart.el, h('div', { class: 'two' }, alerts.el, top.el), sync.el);
  await Promise.all([chart.done, sync.done, alerts.done, top.done]);
}
