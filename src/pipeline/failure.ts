// A failed stream as one line that says what went wrong and what to do; unusable input is saved first.
import { ComplianceApiError, MalformedResponseError, PermissionError } from '../api/index.js';
import { BadRecordError, type Stream, type SyncContext, quarantineResponse } from '../extract/stream.js';

export function describeFailure(ctx: SyncContext, stream: Stream, err: unknown): { error: string; quarantined?: string } {
  if (err instanceof PermissionError) return { error: missingScope(stream, err) };
  if (err instanceof MalformedResponseError) {
    const file = quarantineResponse(ctx, stream.name, err.requestId, err.rawBody);
    return {
      error: `malformed response from ${err.method ?? 'GET'} ${err.path ?? err.endpoint} (request ${err.requestId ?? 'unknown'}), still malformed after ${err.attempts} attempt(s); nothing of it was stored and the cursor did not move. The body was saved to ${file}.`,
      quarantined: file,
    };
  }
  if (err instanceof BadRecordError) {
    const { page } = err;
    const file = quarantineResponse(ctx, stream.name, page.requestId, JSON.stringify({ endpoint: page.endpoint, query: page.query, request_id: page.requestId, data: page.data }, null, 1));
    return {
      error: `bad record from GET ${page.endpoint}?${page.query}: ${err.message}; nothing of this window was stored and the cursor did not move. The page was saved to ${file}.`,
      quarantined: file,
    };
  }
  if (err instanceof ComplianceApiError) return { error: err.message };
  return { error: `${(err as Error).name ?? 'Error'}: ${(err as Error).message ?? String(err)}` };
}

/**
 * Names the scope the refused request lacked, which need not be the stream's "own": users and group members
 * list organizations and groups first, which takes read:compliance_org_data (compliance-api.md §1.3).
 */
function missingScope(stream: Stream, err: PermissionError): string {
  // a 403 that names no scopes (an organization outside the key's reach): the client's message says it all
  if (!err.scopesHeld.length && !err.scopesNeeded.length) return err.message;
  const held = err.scopesHeld;
  const lacking = err.scopesNeeded.length ? err.scopesNeeded : stream.scopes.filter((s) => !held.includes(s));
  const missing = lacking.length ? lacking.join(err.anyOfNeeded ? ' or ' : ' and ') : stream.scopes.join(' and ');
  const request = err.path ? `${err.method ?? 'GET'} ${err.path}` : 'a request';
  const kind =
    stream.job === 'feed'
      ? 'a Compliance Access Key or an Admin key with read:compliance_activities'
      : `a Compliance Access Key with ${stream.scopes.join(' and ')} (Admin keys read only the activity feed)`;
  return (
    `missing scope: ${stream.name} needs ${missing} (${request} was refused); it needs ${stream.scopes.join(' and ')} in all; ` +
    `the key has ${held.length ? held.join(', ') : 'none listed'}. Use ${kind}. (request ${err.requestId ?? 'unknown'})`
  );
}
