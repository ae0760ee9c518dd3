// Every temporary file of a test run goes under one directory of its own, removed when the run ends: tests
// (and the CLI processes they spawn, which inherit the environment) call os.tmpdir(), which reads TMPDIR.
// A test that forgets to clean up, or a process killed on purpose mid-write, leaves nothing behind in /tmp.
// CL_KEEP_TEST_TMP=1 keeps the directory (its path is printed) to look at what a failing test left.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'compliance-lake-tests-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    if (process.env.CL_KEEP_TEST_TMP) process.stderr.write(`test files kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  };
}
