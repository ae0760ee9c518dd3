// Entities that vanish between two calls: armed for a kind (group, role, project), the next list of that kind
// gives up its first entity the moment it is served, so the connector's child call (members, permissions,
// attachments) meets a 404, as when someone deletes the entity between the two requests. A vanished entity
// is left out of later lists and its own get answers 404 too.
import { MESSAGES, notFound } from './errors.js';

export const VANISH_KINDS = ['group', 'role', 'project'] as const;
export type VanishKind = (typeof VANISH_KINDS)[number];

const LIST_PATTERN: Record<VanishKind, string> = {
  group: '/v1/compliance/groups',
  role: '/v1/compliance/organizations/{org_uuid}/roles',
  project: '/v1/compliance/apps/projects',
};

/** Routes that name one entity of a kind, and the parameter holding its id. */
const ENTITY_ROUTES: { pattern: string; kind: VanishKind; param: string; message: string }[] = [
  { pattern: '/v1/compliance/groups/{group_id}', kind: 'group', param: 'group_id', message: MESSAGES.groupNotFound },
  { pattern: '/v1/compliance/groups/{group_id}/members', kind: 'group', param: 'group_id', message: MESSAGES.groupNotFound },
  { pattern: '/v1/compliance/organizations/{org_uuid}/roles/{role_id}', kind: 'role', param: 'role_id', message: MESSAGES.roleNotFound },
  { pattern: '/v1/compliance/organizations/{org_uuid}/roles/{role_id}/permissions', kind: 'role', param: 'role_id', message: MESSAGES.roleNotFound },
  { pattern: '/v1/compliance/apps/projects/{project_id}', kind: 'project', param: 'project_id', message: MESSAGES.projectNotFound },
  { pattern: '/v1/compliance/apps/projects/{project_id}/attachments', kind: 'project', param: 'project_id', message: MESSAGES.projectNotFound },
];

export class Vanisher {
  readonly #armed = new Map<VanishKind, number>();
  readonly #gone = new Map<VanishKind, Set<string>>(VANISH_KINDS.map((k) => [k, new Set<string>()]));

  /** The next `count` lists of `kind` each give up their first entity. */
  arm(kind: VanishKind, count = 1): void {
    this.#armed.set(kind, (this.#armed.get(kind) ?? 0) + count);
  }

  clear(): void {
    this.#armed.clear();
    for (const ids of this.#gone.values()) ids.clear();
  }

  config(): { armed: Record<string, number>; gone: Record<string, string[]> } {
    return {
      armed: Object.fromEntries(this.#armed),
      gone: Object.fromEntries([...this.#gone].map(([k, ids]) => [k, [...ids]])),
    };
  }

  /** Before a route runs: a vanished entity's routes answer 404. */
  check(pattern: string, params: Record<string, string>): void {
    const route = ENTITY_ROUTES.find((r) => r.pattern === pattern);
    if (route && this.#gone.get(route.kind)!.has(params[route.param])) throw notFound(route.message);
  }

  /** After a list was built: drops entities gone earlier, and gives up the first one if armed. */
  afterList(pattern: string, body: unknown): unknown {
    const kind = VANISH_KINDS.find((k) => LIST_PATTERN[k] === pattern);
    const page = body as { data?: { id?: unknown }[] } | null;
    if (!kind || !Array.isArray(page?.data)) return body;
    const gone = this.#gone.get(kind)!;
    const data = page.data.filter((e) => !gone.has(String(e.id)));
    const armed = this.#armed.get(kind) ?? 0;
    if (armed > 0 && typeof data[0]?.id === 'string') {
      gone.add(data[0].id);
      this.#armed.set(kind, armed - 1);
    }
    return data.length === page.data.length ? body : { ...page, data };
  }
}
