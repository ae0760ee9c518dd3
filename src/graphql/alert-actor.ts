// Alert.actor.roles (detections.md §4): the actor snapshot stores the roles the actor held directly; the roles
// held through their groups are resolved here, from marts.role_assignments as of the snapshot's `as_of`, for the
// groups the snapshot lists. The answer is what the snapshot held before that cut (roles of both sources, in the
// same order). A snapshot written before the cut (it lists roles `via: "group"`) is served as stored. Every actor
// of a request that asks for roles is resolved in one statement.
import 'reflect-metadata';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { AlertActor } from './alert.type.js';
import { type GraphqlContext, hasRelation } from './context.js';
import { SqlParams } from './sql-params.js';

/** One role of a snapshot: the shape actor_json's `roles` has (detections.md §4). */
export interface SnapshotRole {
  role_id: string | null;
  role_kind: string | null;
  via: string;
  principal_id: string | null;
}

/** What the resolver needs of one actor: its stored roles, groups and `as_of` as stored (microseconds kept). */
export interface ActorRoleRequest {
  roles: unknown;
  groupIds: string[];
  asOfText: string | null;
}

/**
 * The roles of an actor as the snapshot held them before the cut: the stored (direct) roles and those its
 * groups held at `as_of`, ordered as the engine orders them (role_kind, role_id, principal_id; nulls last).
 * Stored roles that already include group roles, or an actor with no groups, are returned as stored.
 */
export async function actorRoles(ctx: GraphqlContext, actor: ActorRoleRequest): Promise<unknown> {
  if (!needsGroupRoles(actor)) return actor.roles;
  const found = await batchOf(ctx).load(actor);
  return mergeRoles(actor.roles as SnapshotRole[], found);
}

/** Whether the snapshot lacks the roles held through its groups (written after the cut) and has groups to resolve. */
export function needsGroupRoles(actor: ActorRoleRequest): boolean {
  if (!Array.isArray(actor.roles) || actor.groupIds.length === 0 || actor.asOfText === null) return false;
  return !actor.roles.some((r) => r && typeof r === 'object' && (r as { via?: unknown }).via === 'group');
}

/** Direct and group roles in the engine's order: list(... order by role_kind, role_id, principal_id), nulls last. */
export function mergeRoles(direct: readonly SnapshotRole[], viaGroups: readonly SnapshotRole[]): SnapshotRole[] {
  const cmp = (a: string | null, b: string | null): number => (a === b ? 0 : a === null ? 1 : b === null ? -1 : codePointCompare(a, b));
  return [...direct, ...viaGroups].sort((a, b) => cmp(a.role_kind, b.role_kind) || cmp(a.role_id, b.role_id) || cmp(a.principal_id, b.principal_id));
}

/** DuckDB's VARCHAR order (UTF-8 bytes, i.e. code points), not JavaScript's UTF-16 units. */
function codePointCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i].codePointAt(0)! - y[i].codePointAt(0)!;
  }
  return x.length - y.length;
}

interface Pending {
  actor: ActorRoleRequest;
  resolve: (roles: SnapshotRole[]) => void;
  reject: (err: unknown) => void;
}

/** The actors of one request waiting for their groups' roles, looked up together once the resolvers have run. */
class GroupRolesBatch {
  #pending: Pending[] = [];

  constructor(private readonly ctx: GraphqlContext) {}

  load(actor: ActorRoleRequest): Promise<SnapshotRole[]> {
    return new Promise((resolve, reject) => {
      if (this.#pending.length === 0) setImmediate(() => void this.#flush());
      this.#pending.push({ actor, resolve, reject });
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    try {
      const found = await groupRolesAsOf(this.ctx, batch.map((p) => p.actor));
      batch.forEach((p, i) => p.resolve(found[i]));
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}

const batches = new WeakMap<GraphqlContext, GroupRolesBatch>();

function batchOf(ctx: GraphqlContext): GroupRolesBatch {
  let batch = batches.get(ctx);
  if (!batch) batches.set(ctx, (batch = new GroupRolesBatch(ctx)));
  return batch;
}

/**
 * Per actor, the roles its groups held at its `as_of` (one row per group entry of the snapshot, so a group
 * listed twice gives its roles twice, as the engine's join did). One statement for all of them; the actors'
 * groups and times reach DuckDB as one JSON parameter.
 */
export async function groupRolesAsOf(ctx: GraphqlContext, actors: readonly ActorRoleRequest[]): Promise<SnapshotRole[][]> {
  const out: SnapshotRole[][] = actors.map(() => []);
  const wanted = actors.flatMap((a, r) => a.groupIds.map((g) => ({ r, g, t: a.asOfText })));
  if (wanted.length === 0) return out;
  if (!(await hasRelation(ctx.db, 'marts.role_assignments'))) return out;
  const params = new SqlParams();
  const rows = await ctx.db.query(
    `with wanted as (
       select unnest(from_json(${params.add(JSON.stringify(wanted))}, '[{"r":"INTEGER","g":"VARCHAR","t":"VARCHAR"}]'), recursive := true)
     )
     select w.r, ra.role_id, ra.role_kind, ra.principal_id
     from wanted as w
     join marts.role_assignments as ra on ra.principal_type = 'group' and ra.principal_id = w.g
     where coalesce(ra.valid_from, '-infinity'::TIMESTAMPTZ) <= w.t::TIMESTAMPTZ
       and w.t::TIMESTAMPTZ < coalesce(ra.valid_to, 'infinity'::TIMESTAMPTZ)`,
    params.values,
  );
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  for (const row of rows) out[Number(row.r)].push({ role_id: text(row.role_id), role_kind: text(row.role_kind), via: 'group', principal_id: text(row.principal_id) });
  return out;
}

@Resolver(() => AlertActor)
export class AlertActorResolver {
  // the field as AlertActor declares it (alert.type.ts); resolved here
  @FieldResolver()
  roles(@Root() actor: AlertActor, @Ctx() ctx: GraphqlContext): Promise<unknown> {
    return actorRoles(ctx, { roles: actor.roles, groupIds: actor.groups.map((g) => g.groupId), asOfText: actor.asOfText });
  }
}
