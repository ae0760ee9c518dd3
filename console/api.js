// The page's one way to data: POST /graphql with the session cookie (console.md §1). Nothing else is fetched.

/** The server wants credentials (no session, or it expired). */
export class SignInNeeded extends Error {}

export class QueryFailed extends Error {}

const SESSION_ENDED = 'The session has ended (after 12 hours without use, or when the server restarted): sign in again to see the data.';

export async function gql(query, variables = {}) {
  let res;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new QueryFailed(`The server cannot be reached (${err.message}). Check that serve or run is still running, then reload.`);
  }
  if (res.status === 401) throw new SignInNeeded(SESSION_ENDED);
  let body;
  try {
    body = await res.json();
  } catch {
    throw new QueryFailed(`The server answered HTTP ${res.status} without a GraphQL answer. Reload the page; if it stays, see the server's log.`);
  }
  if (body.errors?.length) {
    if (body.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) throw new SignInNeeded(SESSION_ENDED);
    throw new QueryFailed(body.errors.map((e) => e.message).join('; '));
  }
  return body.data;
}
