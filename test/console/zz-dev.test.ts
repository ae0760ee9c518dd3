import { test } from 'vitest';
import { writeFileSync } from 'node:fs';
import { buildConsoleLake } from './console-lake.js';
test('dev', async () => {
  const lake = await buildConsoleLake();
  writeFileSync('/tmp/conui-dev.json', JSON.stringify({ origin: lake.origin, hostile: lake.hostile, probe: lake.probeGroupId, gql: lake.server.url }));
  console.log('ready');
  await new Promise((r) => setTimeout(r, 50 * 60_000));
}, 60 * 60_000);
