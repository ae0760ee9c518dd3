// Starts GraphiQL over /graphql (console.md §1). The session cookie goes along with every same-origin request,
// so no header is needed; without a session the page says where to sign in instead of showing errors.
/* global React, ReactDOM, GraphiQL */
const root = document.getElementById('explorer');

function note(text, linkText, href) {
  const p = document.createElement('p');
  p.className = 'explorer-note';
  p.append(document.createTextNode(text));
  if (linkText) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = linkText;
    p.append(' ', a);
  }
  root.replaceChildren(p);
}

async function start() {
  let state;
  try {
    // /session answers before any query, so a signed-out visit asks nothing that would be refused
    const res = await fetch('/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    state = await res.json();
  } catch {
    note('The server cannot be reached.', 'Try again', '/explorer');
    return;
  }
  if (state.signInRequired && !state.authenticated) {
    note('Sign in first: the explorer uses the console session.', 'Sign in', '/#/overview');
    return;
  }
  const fetcher = GraphiQL.createFetcher({ url: '/graphql', fetch: (url, init) => fetch(url, { ...init, credentials: 'same-origin' }) });
  root.replaceChildren();
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: '# The compliance-lake GraphQL API. The schema is in the Docs panel.\n{\n  syncStatus {\n    streams { stream lastSuccessAt lagSeconds records }\n  }\n}\n',
      // headers typed into the editor (a token) are never kept in the browser's storage
      shouldPersistHeaders: false,
    }),
  );
}

start();
