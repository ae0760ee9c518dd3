// The walk for endpoints whose pages carry no trustworthy `has_more` (sessions, code artifacts): follow
// `next_page` until it is absent; short and empty pages are normal there (compliance-api.md §2.6, §2.7).
import type { Logger } from './http.js';
import type { PageOf } from './pagination.js';

export async function* walkNextPages<P extends PageOf<unknown>>(
  fetchPage: (page: string | undefined) => Promise<P>,
  start: string | undefined,
  logger?: Logger,
): AsyncGenerator<P, void, undefined> {
  let token = start;
  const seen = new Set<string>();
  if (token !== undefined) seen.add(token);
  for (;;) {
    const page = await fetchPage(token);
    yield page;
    const next = page.next_page;
    if (!next) return;
    if (seen.has(next)) {
      logger?.warn({ endpoint: page.endpoint, requestId: page.requestId }, 'compliance api: next_page repeats an earlier token; stopping');
      return;
    }
    seen.add(next);
    token = next;
  }
}
