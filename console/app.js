// The console's start: who is signed in (Query.viewer), the hash router (console.md §5) and the page frame.
import { gql, SignInNeeded } from './api.js';
import { h, note, replace } from './dom.js';
import { renderOverview } from './page-overview.js';
import { renderCorrelation } from './page-correlation.js';
import { renderPeople, renderUser, renderGroup } from './page-people.js';
import { renderActivities, renderActivity } from './page-activities.js';
import { renderAlerts, renderAlert } from './page-alerts.js';

/** Route name -> page; the page gets (container, the route's id or null, the query parameters, the context). */
const PAGES = {
  overview: renderOverview,
  correlation: renderCorrelation,
  people: renderPeople,
  user: renderUser,
  group: renderGroup,
  activities: renderActivities,
  activity: renderActivity,
  alerts: renderAlerts,
  alert: renderAlert,
};
/** Which navigation link a route belongs to. */
const SECTION = { user: 'people', group: 'people', activity: 'activities', alert: 'alerts' };

const ctx = { viewer: { authenticated: false, writable: false }, go, signInNeeded };

/** `#/name/id?query`: the route, its id and its parameters. */
function parseHash() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = hash.split('?', 2);
  const [name, ...rest] = path.split('/');
  const id = rest.length ? decodeURIComponent(rest.join('/')) : null;
  return { name: PAGES[name] ? name : 'overview', id, params: new URLSearchParams(query) };
}

/** Navigates to a route with parameters (empty values left out): the hash holds the state, so reload and back work. */
function go(name, params = {}, id = null) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const path = id === null ? name : `${name}/${encodeURIComponent(id)}`;
  const hash = `#/${path}${q.size ? `?${q}` : ''}`;
  if (location.hash === hash) render();
  else location.hash = hash;
}

function signInNeeded(message) {
  document.getElementById('app').hidden = true;
  document.getElementById('signed-in').hidden = true;
  const section = document.getElementById('signin');
  section.hidden = false;
  if (message) replace(document.getElementById('signin-status'), note(message));
  document.getElementById('token').focus();
}

let generation = 0;
/** The overview refreshes itself this often while it is shown (the page a team keeps open all day). */
const REFRESH_MS = 5 * 60_000;

/**
 * Renders the route. `quiet`: a refresh of the page on screen, built off-screen and swapped in when complete,
 * keeping the scroll position (no flash of "Loading…").
 */
async function render({ quiet = false } = {}) {
  const { name, id, params } = parseHash();
  const mine = ++generation;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#/${SECTION[name] ?? name}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // Each render writes into its own container: a slow answer for a page the user already left lands in a
  // detached element and changes nothing.
  const container = h('div', { class: 'page', id: `page-${name}` });
  const loading = note('Loading…');
  const pageEl = document.getElementById('page');
  if (!quiet) replace(pageEl, container, loading);
  try {
    await PAGES[name](container, id, params, ctx);
  } catch (err) {
    if (err instanceof SignInNeeded) return signInNeeded(err.message);
    if (mine === generation) container.appendChild(note(err.message, 'error'));
  }
  loading.remove();
  if (mine !== generation) return;
  if (quiet) {
    const y = window.scrollY;
    replace(pageEl, container);
    window.scrollTo(0, y);
  }
  container.dataset.ready = 'true';
}

function refreshOverview() {
  const busy = document.getElementById('page').contains(document.activeElement) && document.activeElement.matches('input, select, textarea');
  if (document.visibilityState === 'visible' && parseHash().name === 'overview' && !busy) render({ quiet: true });
}

/** What /session says before any query: a signed-out visit asks nothing that would be refused. */
async function sessionState() {
  try {
    const res = await fetch('/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (res.ok) return await res.json();
  } catch {
    // the GraphQL question below reports an unreachable server in its own words
  }
  return { signInRequired: false, authenticated: false };
}

async function start() {
  const search = new URLSearchParams(location.search);
  if (search.get('login') === 'failed') {
    replace(document.getElementById('signin-status'), note('That token was not accepted. Paste the read or write token the server was started with (COMPLIANCE_LAKE_GRAPHQL_TOKEN or COMPLIANCE_LAKE_GRAPHQL_WRITE_TOKEN, or the files of --token-file / --write-token-file) and try again.', 'error'));
  } else if (search.get('login') === 'limited') {
    replace(document.getElementById('signin-status'), note('Too many wrong tokens were sent from this address in the last 10 minutes, so sign-ins from it are refused for now. Wait a few minutes, then paste the token again.', 'error'));
  }
  // the form returns to the route the visitor asked for (console.md §5)
  document.getElementById('login').addEventListener('submit', () => {
    document.getElementById('next').value = location.hash;
  });
  const state = await sessionState();
  if (state.signInRequired && !state.authenticated) return signInNeeded(null);
  try {
    ctx.viewer = (await gql('query Viewer { viewer { authenticated writable } }')).viewer;
  } catch (err) {
    if (err instanceof SignInNeeded) return signInNeeded(null);
    replace(document.getElementById('page'), note(err.message, 'error'));
  }
  document.getElementById('signin').hidden = true;
  document.getElementById('app').hidden = false;
  const who = document.getElementById('signed-in');
  if (ctx.viewer.authenticated) {
    who.hidden = false;
    replace(document.getElementById('who'), ctx.viewer.writable ? 'Signed in with the write token' : 'Signed in with the read token');
  }
  window.addEventListener('hashchange', () => {
    render().then(() => document.querySelector('#page h1')?.focus());
  });
  setInterval(refreshOverview, REFRESH_MS);
  await render();
}

start();
