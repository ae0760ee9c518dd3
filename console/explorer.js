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
  let res;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { authenticated } }' }),
      credentials: 'same-origin',
    });
  } catch {
    note('The server cannot be reached.', 'Try again', '/explorer');
    return;
  }
  if (res.status === 401) {
    note('Sign in first: the explorer uses the console session.', 'Sign in', '/');
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
