// What shapes a synthetic tenant, and the sizes derived from its volume when not given.
import { DAY } from './time.js';
import type { TimestampStyle } from './time.js';

export interface TenantOptions {
  seed: number;
  /** The simulator's "now" when it starts; without `live` the feed ends here. */
  startMs: number;
  /** History before startMs; the feed starts at the UTC midnight this many days back (max six years). */
  horizonDays: number;
  /** Mean background activities per day (the directory and content events come on top). */
  activitiesPerDay: number;
  /** Activities keep arriving after startMs, following the clock. */
  live: boolean;
  /** Share of activities (0..1) indexed late: minutes to days after their created_at. */
  lateShare: number;
  timestampStyle: TimestampStyle;
  users?: number;
  groups?: number;
  organizations?: number;
  chats?: number;
  projects?: number;
  /** When > 0, the first chat file is this many bytes (streamed, never held whole), to test large downloads. */
  largeFileBytes?: number;
  /**
   * Attack scenarios (scenarios.ts) played at fixed times before startMs. Undefined: none, and no scenario
   * organization (the baseline tenant); [] : the organization exists so scenarios can be played on demand.
   */
  scenarios?: string[];
}

export interface TenantShape extends Required<TenantOptions> {
  /** Whether the tenant has the scenario organization (TenantOptions.scenarios given). */
  withScenarios: boolean;
  epochStartMs: number;
  /** Directory and content timelines are generated up to here (later than startMs in live mode). */
  timelineEndMs: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(v)));

export const MAX_HORIZON_DAYS = 6 * 366;
/** Live mode keeps the directory and content changing for this long after start. */
export const LIVE_TIMELINE_DAYS = 60;

export function shapeTenant(o: TenantOptions): TenantShape {
  if (!(o.horizonDays > 0 && o.horizonDays <= MAX_HORIZON_DAYS)) {
    throw new Error(`horizonDays must be between 1 and ${MAX_HORIZON_DAYS} (six years); got ${o.horizonDays}`);
  }
  if (!(o.activitiesPerDay >= 0)) throw new Error(`activitiesPerDay must be >= 0; got ${o.activitiesPerDay}`);
  if (!(o.lateShare >= 0 && o.lateShare <= 1)) throw new Error(`lateShare must be between 0 and 1; got ${o.lateShare}`);
  const epochStartMs = Math.floor((o.startMs - o.horizonDays * DAY) / DAY) * DAY;
  const users = o.users ?? clamp(o.activitiesPerDay / 10, 24, 20_000);
  return {
    ...o,
    users,
    groups: o.groups ?? clamp(users / 25, 4, 500),
    organizations: o.organizations ?? 3,
    chats: o.chats ?? clamp((o.activitiesPerDay * o.horizonDays) / 40, 20, 50_000),
    projects: o.projects ?? clamp(users / 8, 4, 2_000),
    largeFileBytes: o.largeFileBytes ?? 0,
    scenarios: o.scenarios ?? [],
    withScenarios: o.scenarios !== undefined,
    epochStartMs,
    timelineEndMs: o.live ? o.startMs + LIVE_TIMELINE_DAYS * DAY : o.startMs,
  };
}
