// One writer per data dir: `data/lake.lock` holds the pid, host and command of the process that writes.
// A second writer is refused with a message naming that process; a lock whose process is gone is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started_at: string;
}

export class LockedError extends Error {
  constructor(
    readonly holder: LockInfo,
    lockPath: string,
    /** The holder is this very process (another sync, compaction or daemon started in it). */
    readonly sameProcess = false,
  ) {
    super(
      sameProcess
        ? `this process is already writing to this data dir (\`${holder.command}\`, started ${holder.started_at}); ` +
            'wait for that to finish: two writers on one data dir would interleave their commits.'
        : `another compliance-lake process is writing to this data dir: pid ${holder.pid} on ${holder.host} ` +
            `(\`${holder.command}\`, started ${holder.started_at}). Wait for it to finish or stop it; ` +
            `if that process no longer exists on ${holder.host}, remove ${lockPath}.`,
    );
    this.name = 'LockedError';
  }
}

export interface Lock {
  path: string;
  /** Set when a stale lock (dead process) was taken over. */
  recoveredFrom: LockInfo | null;
  release(): void;
}

/**
 * Locks this process holds, with the command that took each. A lock file with our own pid is normally a
 * leftover of an earlier process that had the same pid (containers start every process as pid 1), so it is
 * taken over; but if this process holds it right now, a second writer in the same process is refused.
 */
const heldHere = new Map<string, LockInfo>();

export function acquireLock(dataDir: string, command: string): Lock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'lake.lock');
  const key = resolve(path);
  const mine = heldHere.get(key);
  if (mine) throw new LockedError(mine, path, true);
  const info: LockInfo = { pid: process.pid, host: hostname(), command, started_at: new Date().toISOString() };
  let recoveredFrom: LockInfo | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(info) + '\n');
      closeSync(fd);
      heldHere.set(key, info);
      let released = false;
      return {
        path,
        recoveredFrom,
        release() {
          if (released) return;
          released = true;
          heldHere.delete(key);
          try {
            const current = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
            if (current.pid === process.pid) rmSync(path, { force: true });
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(path);
      if (holder && holder.host === info.host && isAlive(holder.pid) && holder.pid !== process.pid) throw new LockedError(holder, path);
      if (holder && holder.host !== info.host) throw new LockedError(holder, path);
      // The holder is dead (or the file is unreadable after a crash mid-write): take the lock over.
      recoveredFrom = holder ?? { pid: 0, host: 'unknown', command: 'unknown (unreadable lock file)', started_at: 'unknown' };
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take the lock ${path}; another process keeps creating it`);
}

function readHolder(path: string): LockInfo | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof parsed.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
