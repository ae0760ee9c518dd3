// createTenant: one seeded synthetic Claude Enterprise tenant (directory, content, feed) for the simulator.
import type { Tenant } from '../model.js';
import { BackgroundGenerator } from './background.js';
import { ContentTimeline } from './content.js';
import { DirectoryTimeline, directoryView } from './directory.js';
import { Feed } from './feed.js';
import { shapeTenant } from './options.js';
import { ScenarioPlayer, SCENARIO_IDS, addScenarioOrganization } from './scenarios.js';
import { SettingsTimeline } from './settings.js';
import type { TenantOptions } from './options.js';

export type { TenantOptions } from './options.js';

export interface SyntheticTenant extends Tenant {
  timeline: DirectoryTimeline;
  contentTimeline: ContentTimeline;
  /** Organization settings over time; `enabled = false` makes the settings endpoint 404 like a parent without it. */
  settingsTimeline: SettingsTimeline;
  /** The first moment of the feed (UTC midnight, horizonDays before start). */
  epochStartMs: number;
}

export function createTenant(options: TenantOptions & { selfEventDelayMs?: number }): SyntheticTenant {
  const shape = shapeTenant(options);
  const timeline = new DirectoryTimeline(shape);
  const contentTimeline = new ContentTimeline(shape, timeline);
  const background = new BackgroundGenerator(shape, timeline, contentTimeline);
  // after the everyday generators have drawn their people, before the settings (the org gets settings too)
  const scenarioOrg = shape.withScenarios ? addScenarioOrganization(shape, timeline) : undefined;
  // before the feed: it rewrites the settings events' fields to match the settings it keeps
  const settingsTimeline = new SettingsTimeline(shape, timeline);
  const feed = new Feed(shape, timeline.orgs, [...timeline.events, ...contentTimeline.events], background, {
    selfEventDelayMs: options.selfEventDelayMs ?? 1000,
  });
  let scenarios: SyntheticTenant['scenarios'];
  if (scenarioOrg !== undefined) {
    const player = new ScenarioPlayer(shape, timeline, feed, scenarioOrg);
    const delay = options.selfEventDelayMs ?? 1000;
    ScenarioPlayer.anchors(shape.scenarios, shape.startMs).forEach((at, k) => player.play(shape.scenarios[k], at, delay));
    scenarios = { ids: SCENARIO_IDS, played: player.played, play: (id, atMs, nowMs) => player.play(id, atMs, delay, nowMs) };
  }
  // Without live mode the tenant stops changing at start; API calls still happen on the running clock.
  const clamp = (nowMs: number) => (shape.live ? nowMs : Math.min(nowMs, shape.startMs));
  return {
    feed,
    directory: { ...directoryView(timeline, clamp), organizationSettings: (org, now) => settingsTimeline.at(org, clamp(now)) },
    content: contentTimeline.view(clamp),
    timeline,
    contentTimeline,
    settingsTimeline,
    epochStartMs: shape.epochStartMs,
    scenarios,
  };
}
