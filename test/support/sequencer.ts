// The order test files start in: the slowest first, so that three workers stay busy to the end. In a fresh
// checkout vitest has no timings of earlier runs and starts the largest files first, which put
// models-history (150 s) at 611 s of a 785 s run, alone at the end. The list is of files that took 30 s or
// more in a full run (stop 15; delivery-crash, back in the suite at stop 16: 80 s); every other file follows in
// vitest's own order.
import { basename } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SLOWEST = [
  'models-history',
  'sync-crash',
  'sync-cli',
  'sync',
  'models',
  'delivery-crash',
  'publish',
  'cli',
  'models-sql',
  'lake-ops',
  'daemon-sigterm',
  'siem-forward',
  'e2e-correlation',
  'detections-engine',
  'simulator-tenant',
  'siem-events',
  'graphql-alerts-demo',
];

function rank(file: TestSpecification): number {
  const i = SLOWEST.indexOf(basename(file.moduleId).replace(/\.test\.ts$/, ''));
  return i < 0 ? SLOWEST.length : i;
}

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return sorted
      .map((file, i) => ({ file, i }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.i - b.i)
      .map(({ file }) => file);
  }
}
