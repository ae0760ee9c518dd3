// The Amazon Security Lake layout (ocsf.md §6): OCSF events as Parquet, one custom source (directory) per OCSF
// class, partitioned region= / accountId= / eventDay= as the source's Glue crawler expects. Each day's events
// go to one NDJSON file per class, which DuckDB then turns into Parquet (nested structs inferred from the events
// themselves); files are written under a temporary name and renamed, so a crash leaves no partial object.
import { createWriteStream, mkdirSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { dirname, join, relative } from 'node:path';
import { connectUtc, createDuck, sqlString } from '../lake/duck.js';
import { ConfigError } from '../cli/config.js';
import type { ActivityQuery, ActivityReader } from './events.js';
import type { OcsfMapper } from './ocsf.js';

export interface SecurityLakeOptions {
  out: string;
  region: string;
  accountId: string;
  /** Custom source name prefix; the source of a class is `<source>-<class name>`. */
  source: string;
  runId: string;
}

export interface SecurityLakeReport {
  events: number;
  files: { path: string; class: string; rows: number }[];
}

export function checkSecurityLakeOptions(o: Partial<SecurityLakeOptions>): void {
  if (!o.out) throw new ConfigError('--layout security-lake needs --out DIR: the directory the ext/ tree is written under');
  if (!o.region || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(o.region)) throw new ConfigError(`--region: an AWS region such as eu-west-1 (the region= partition); got ${JSON.stringify(o.region ?? '')}`);
  if (!o.accountId || !/^\d{12}$/.test(o.accountId)) throw new ConfigError(`--account-id: the 12-digit AWS account id of the custom source (the accountId= partition); got ${JSON.stringify(o.accountId ?? '')}`);
  if (!o.source || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/.test(o.source)) throw new ConfigError(`--source: 1-41 letters, digits, "_" or "-" (the custom source name prefix); got ${JSON.stringify(o.source ?? '')}`);
}

export async function writeSecurityLake(reader: ActivityReader, mapper: OcsfMapper, q: ActivityQuery, o: SecurityLakeOptions): Promise<SecurityLakeReport> {
  const tmpDir = join(o.out, '.tmp', o.runId);
  mkdirSync(tmpDir, { recursive: true });
  const duck = await createDuck({ memoryLimit: '512MB', threads: 2 });
  const conn = await connectUtc(duck);
  const report: SecurityLakeReport = { events: 0, files: [] };
  try {
    for (const day of reader.days(q)) {
      const open = new Map<string, { stream: WriteStream; path: string; rows: number }>();
      for await (const rows of reader.day(day, q)) {
        for (const r of rows) {
          const event = mapper.toOcsf(r.activity, r.user);
          const cls = mapper.typeMapping(String(r.activity.type)).class;
          let f = open.get(cls);
          if (!f) {
            const path = join(tmpDir, `${cls}.ndjson`);
            f = { stream: createWriteStream(path), path, rows: 0 };
            open.set(cls, f);
          }
          f.rows++;
          if (!f.stream.write(JSON.stringify(event) + '\n')) await once(f.stream, 'drain');
        }
      }
      for (const [cls, f] of open) {
        f.stream.end();
        await once(f.stream, 'close');
        const eventDay = day.replaceAll('-', '');
        const target = join(o.out, 'ext', `${o.source}-${cls}`, `region=${o.region}`, `accountId=${o.accountId}`, `eventDay=${eventDay}`, `${o.runId}.parquet`);
        mkdirSync(dirname(target), { recursive: true });
        const partial = `${target}.tmp`;
        await conn.run(
          `copy (select * from read_json(${sqlString(f.path)}, format = 'newline_delimited', sample_size = -1, maximum_object_size = 67108864)) ` +
            `to ${sqlString(partial)} (format parquet, compression zstd)`,
        );
        renameSync(partial, target);
        rmSync(f.path, { force: true });
        report.files.push({ path: relative(o.out, target), class: cls, rows: f.rows });
        report.events += f.rows;
      }
    }
  } finally {
    conn.closeSync();
    duck.closeSync();
    rmSync(join(o.out, '.tmp'), { recursive: true, force: true });
  }
  return report;
}
