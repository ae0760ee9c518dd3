// Every known activity type with the actor kinds the reference allows ("any" = all eleven), read from
// schema/activity-types.json: the catalog the models use, so the simulator's enum (which validates
// `activity_types[]`, compliance-api.md §2.1) and the marts never disagree. The file is part of the package,
// so the list, and with it the simulator's output for a seed, changes only when the catalog does.
import { KNOWN_ACTOR_TYPES } from '../../api/types.js';
import { loadCatalog } from '../../models/catalog.js';

/** `any` when a type allows every known actor kind, else the kinds without `_actor`, comma-separated. */
function actorsOf(actors: readonly string[]): string {
  if (KNOWN_ACTOR_TYPES.every((kind) => actors.includes(kind))) return 'any';
  return actors.map((kind) => kind.replace(/_actor$/, '')).join(',');
}

export const REFERENCE_ACTIVITY_TYPES: ReadonlyArray<readonly [type: string, actors: string]> = loadCatalog().map(
  (entry) => [entry.type, actorsOf(entry.actors)] as const,
);
