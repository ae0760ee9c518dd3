import { test } from 'vitest';
import { buildConsoleLake } from './console-lake.js';
test('try', async () => {
  const t0 = Date.now();
  const lake = await buildConsoleLake();
  console.log('built in', Date.now() - t0, lake.origin, lake.hostile, new Date(lake.coveredUs / 1000).toISOString());
  const d = await lake.gql(`{ al: alerts(first: 3) { totalCount edges { node { id level summary } } } o: activity(id: "${lake.hostile.oddTypeId}") { type category } a: activity(id: "${lake.hostile.activityId}") { type actor { email ip userAgent } details } g: group(id: "${lake.hostile.groupId}") { name description } u: user(id: "${lake.hostile.userId}") { fullName } groups(first: 50) { totalCount edges { node { id name } } } activityCountsByCategory(by: DAY) { bucket category count } topActors(first: 3) { userId email count type apiKeyId } topActivityTypes(first: 3) { type count } }`);
  console.log(JSON.stringify(d, null, 1).slice(0, 4000));
  await lake.close();
}, 300_000);
