// The Iceberg table over the activities (schema/iceberg.md): compares the files the lake's manifest commits
// with the current snapshot's and commits one new snapshot for the difference, rewriting only the manifests
// of the months it touches. Data files are never written or moved; the metadata is committed by creating
// v<N+1>.metadata.json only if absent, then replacing version-hint.text.
import { randomInt, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../cli/config.js';
import { type Location, locationUri, parseLocation, under } from '../engines/location.js';
import { Lake } from '../lake/lake.js';
import { committedFiles, fsyncDir, writeDurably } from '../lake/manifest.js';
import { decodeContainer, encodeContainer } from './avro.js';
import { IcebergCommitConflict, defaultTableDir, icebergTableExists } from './hook.js';
import { readFileMetrics } from './footer.js';
import { NO_BOUNDS, STREAM, icebergFields, icebergSchema, manifestEntrySchema, manifestListSchema, nameMapping, partitionSpec } from './schema.js';

/** Snapshots and metadata files the metadata keeps in its logs; older ones are expired and their files deleted. */
export const KEEP_SNAPSHOTS = 100;
const LOCATION_PROPERTY = 'compliance-lake.location';
const SEQ_SUMMARY = 'compliance-lake.manifest-seq';
const DAY_MS = 86_400_000;
const STATUS = { EXISTING: 0, ADDED: 1, DELETED: 2 } as const;

export { IcebergCommitConflict, defaultTableDir, icebergTableExists };

export interface RefreshOptions {
  dataDir: string;
  /** The location the table is written for; default the one it was written for, or the data dir. */
  location?: Location;
  /** Table directory (default defaultTableDir(dataDir)). */
  out?: string;
  /** The lake, when the caller has it open (a sync's hook). */
  lake?: Lake;
  /** The table as of this manifest entry of the lake (default its head): a table that trails the lake, for benchmarks. */
  asOfSeq?: number;
  /** Snapshots and metadata files kept in the logs (default KEEP_SNAPSHOTS). */
  keep?: number;
  now?: () => number;
}

export interface RefreshReport {
  tableDir: string;
  /** The table's location URI (where engines find it). */
  tableLocation: string;
  /** The metadata file written, or null when the table already matched the lake. */
  metadataFile: string | null;
  version: number;
  snapshotId: number | null;
  operation: 'append' | 'replace' | 'create' | null;
  addedFiles: number;
  deletedFiles: number;
  totalFiles: number;
  totalRecords: number;
  manifestsWritten: number;
  ms: number;
}

interface DataFile {
  content: number;
  file_path: string;
  file_format: string;
  partition: { created_at_day: number | null };
  record_count: number;
  file_size_in_bytes: number;
  column_sizes: { key: number; value: number }[] | null;
  value_counts: { key: number; value: number }[] | null;
  null_value_counts: { key: number; value: number }[] | null;
  nan_value_counts: { key: number; value: number }[] | null;
  lower_bounds: { key: number; value: Buffer }[] | null;
  upper_bounds: { key: number; value: Buffer }[] | null;
  key_metadata: Buffer | null;
  split_offsets: number[] | null;
  equality_ids: number[] | null;
  sort_order_id: number | null;
}

interface Entry {
  status: number;
  snapshot_id: number | null;
  sequence_number: number | null;
  file_sequence_number: number | null;
  data_file: DataFile;
}

interface ManifestFile {
  manifest_path: string;
  manifest_length: number;
  partition_spec_id: number;
  content: number;
  sequence_number: number;
  min_sequence_number: number;
  added_snapshot_id: number;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: number;
  existing_rows_count: number;
  deleted_rows_count: number;
  partitions: { contains_null: boolean; contains_nan: boolean | null; lower_bound: Buffer | null; upper_bound: Buffer | null }[] | null;
  key_metadata: Buffer | null;
}

type Metadata = Record<string, any>;

export async function refreshIceberg(options: RefreshOptions): Promise<RefreshReport> {
  const started = Date.now();
  const now = options.now ?? Date.now;
  const tableDir = options.out ?? defaultTableDir(options.dataDir);
  const metaDir = join(tableDir, 'metadata');
  const current = readCurrent(metaDir);
  const recorded = current?.metadata.properties?.[LOCATION_PROPERTY] as string | undefined;
  const location = options.location ?? (recorded ? parseLocation(recorded, options.dataDir) : parseLocation(undefined, options.dataDir));
  const dataLocation = locationUri(location);
  if (recorded && recorded !== dataLocation) {
    throw new ConfigError(
      `the Iceberg table in ${tableDir} was written for ${recorded}, not ${dataLocation}: refresh it with --location ${recorded}, ` +
        `or write a table for ${dataLocation} elsewhere with --out DIR (or delete ${tableDir} to start it again for the new location)`,
    );
  }
  const tableLocation = options.out && location.scheme === 'file' ? pathToFileURL(options.out).href : under(dataLocation, `iceberg/${STREAM}`);
  const lake = options.lake ?? Lake.open(options.dataDir);

  const entries = options.asOfSeq === undefined ? lake.entries : lake.entries.filter((e) => e.seq <= options.asOfSeq!);
  const lakeSeq = entries.length ? entries[entries.length - 1].seq : 0;
  const committed = [...committedFiles(entries).values()].filter((f) => f.stream === STREAM);
  const totalRecords = committed.reduce((n, f) => n + f.rows, 0);
  const snapshotNow = current && (current.metadata.snapshots ?? []).find((s: Metadata) => s['snapshot-id'] === current.metadata['current-snapshot-id']);
  if (current && snapshotNow?.summary?.[SEQ_SUMMARY] === String(lakeSeq)) {
    // the current snapshot was taken at this very lake commit: nothing can differ
    const base = { tableDir, tableLocation, addedFiles: 0, deletedFiles: 0, totalFiles: committed.length, totalRecords, manifestsWritten: 0 };
    return { ...base, metadataFile: null, version: current.version, snapshotId: snapshotNow['snapshot-id'], operation: null, ms: Date.now() - started };
  }

  // what the lake commits, and what the current snapshot lists
  const wanted = new Map(committed.map((f) => [under(dataLocation, `lake/${f.path}`), f]));
  const months = current ? readSnapshotManifests(metaDir, current.metadata) : new Map<string, { manifest: ManifestFile; entries: Entry[] }>();
  const live = new Map<string, Entry>();
  for (const { entries } of months.values()) for (const e of entries) if (e.status !== STATUS.DELETED) live.set(e.data_file.file_path, e);
  const added = [...wanted.keys()].filter((p) => !live.has(p));
  const deleted = [...live.keys()].filter((p) => !wanted.has(p));
  const base = { tableDir, tableLocation, addedFiles: added.length, deletedFiles: deleted.length, totalFiles: wanted.size };
  if (current && added.length === 0 && deleted.length === 0) {
    return { ...base, metadataFile: null, version: current.version, snapshotId: current.metadata['current-snapshot-id'] ?? null, operation: null, totalRecords, manifestsWritten: 0, ms: Date.now() - started };
  }

  mkdirSync(metaDir, { recursive: true });
  const fields = icebergFields();
  const fieldId = new Map(fields.map((f) => [f.name, f.id]));
  const seq = (current?.metadata['last-sequence-number'] ?? 0) + 1;
  const snapshotId = randomInt(1, 2 ** 47) * 64 + randomInt(0, 64); // below 2^53: exact in JSON and JavaScript
  const touched = new Set<string>();
  const newEntries = new Map<string, Entry[]>();
  for (const path of added) {
    const f = wanted.get(path)!;
    const month = f.date.slice(0, 7);
    touched.add(month);
    const entry: Entry = { status: STATUS.ADDED, snapshot_id: snapshotId, sequence_number: seq, file_sequence_number: seq, data_file: dataFile(path, lake.absolute(f), f.date, fieldId) };
    newEntries.set(month, [...(newEntries.get(month) ?? []), entry]);
  }
  for (const path of deleted) touched.add(monthOfDay(live.get(path)!.data_file.partition.created_at_day));
  // a month whose manifest still lists files an earlier snapshot deleted is rewritten without them
  for (const [month, m] of months) if (m.entries.some((e) => e.status === STATUS.DELETED)) touched.add(month);

  const deletedSet = new Set(deleted);
  const manifests: ManifestFile[] = [];
  let manifestsWritten = 0;
  for (const month of [...new Set([...months.keys(), ...touched])].sort()) {
    const previous = months.get(month);
    if (previous && !touched.has(month)) {
      manifests.push(previous.manifest);
      continue;
    }
    const entries: Entry[] = [];
    for (const e of previous?.entries ?? []) {
      if (e.status === STATUS.DELETED) continue;
      if (deletedSet.has(e.data_file.file_path)) entries.push({ ...e, status: STATUS.DELETED, snapshot_id: snapshotId });
      else entries.push({ ...e, status: STATUS.EXISTING });
    }
    entries.push(...(newEntries.get(month) ?? []));
    if (entries.length === 0) continue;
    manifests.push(writeManifest(metaDir, tableLocation, month, snapshotId, seq, entries));
    manifestsWritten++;
  }

  const listName = `snap-${snapshotId}.avro`;
  writeFileDurably(
    join(metaDir, listName),
    encodeContainer(manifestListSchema(), manifests, {
      'snapshot-id': String(snapshotId),
      'parent-snapshot-id': String(current?.metadata['current-snapshot-id'] ?? 'null'),
      'sequence-number': String(seq),
      'format-version': '2',
    }),
  );
  const operation = deleted.length > 0 ? 'replace' : 'append';
  const addedRecords = added.reduce((n, p) => n + wanted.get(p)!.rows, 0);
  const deletedRecords = deleted.reduce((n, p) => n + Number(live.get(p)!.data_file.record_count), 0);
  const timestamp = now();
  const snapshot = {
    'snapshot-id': snapshotId,
    ...(current?.metadata['current-snapshot-id'] ? { 'parent-snapshot-id': current.metadata['current-snapshot-id'] } : {}),
    'sequence-number': seq,
    'timestamp-ms': timestamp,
    'manifest-list': under(tableLocation, `metadata/${listName}`),
    summary: {
      operation,
      'added-data-files': String(added.length),
      'deleted-data-files': String(deleted.length),
      'added-records': String(addedRecords),
      'deleted-records': String(deletedRecords),
      'total-data-files': String(wanted.size),
      'total-records': String(totalRecords),
      'added-files-size': String(added.reduce((n, p) => n + wanted.get(p)!.bytes, 0)),
      'removed-files-size': String(deleted.reduce((n, p) => n + Number(live.get(p)!.data_file.file_size_in_bytes), 0)),
      'total-files-size': String([...wanted.values()].reduce((n, f) => n + f.bytes, 0)),
      'total-delete-files': '0',
      'total-position-deletes': '0',
      'total-equality-deletes': '0',
      [SEQ_SUMMARY]: String(lakeSeq),
    },
    'schema-id': 0,
  };
  const version = (current?.version ?? 0) + 1;
  const metadata = nextMetadata(current, { tableLocation, dataLocation, snapshot, seq, timestamp, keep: options.keep ?? KEEP_SNAPSHOTS });
  const metadataFile = join(metaDir, `v${version}.metadata.json`);
  commitMetadata(metaDir, metadataFile, metadata, version);
  expire(metaDir, metadata);
  return { ...base, metadataFile, version, snapshotId, operation: current ? operation : 'create', totalRecords, manifestsWritten, ms: Date.now() - started };
}

function monthOfDay(day: number | null): string {
  return new Date((day ?? 0) * DAY_MS).toISOString().slice(0, 7);
}

function dataFile(path: string, absolute: string, date: string, fieldId: Map<string, number>): DataFile {
  const m = readFileMetrics(absolute, NO_BOUNDS);
  const byId = <T>(map: Map<string, T>) =>
    [...map]
      .filter(([name]) => fieldId.has(name))
      .map(([name, value]) => ({ key: fieldId.get(name)!, value }))
      .sort((a, b) => a.key - b.key);
  return {
    content: 0,
    file_path: path,
    file_format: 'PARQUET',
    partition: { created_at_day: Date.parse(`${date}T00:00:00Z`) / DAY_MS },
    record_count: m.recordCount,
    file_size_in_bytes: m.fileSize,
    column_sizes: byId(m.columnSizes),
    value_counts: byId(m.valueCounts),
    null_value_counts: byId(m.nullCounts),
    nan_value_counts: null,
    lower_bounds: byId(m.lower),
    upper_bounds: byId(m.upper),
    key_metadata: null,
    split_offsets: m.splitOffsets,
    equality_ids: null,
    sort_order_id: null,
  };
}

function dayBound(day: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(day);
  return b;
}

function writeManifest(metaDir: string, tableLocation: string, month: string, snapshotId: number, seq: number, entries: Entry[]): ManifestFile {
  const name = `m-${month}-${snapshotId}.avro`;
  const bytes = encodeContainer(manifestEntrySchema(), entries, {
    schema: JSON.stringify(icebergSchema()),
    'schema-id': '0',
    'partition-spec': JSON.stringify(partitionSpec().fields),
    'partition-spec-id': '0',
    'format-version': '2',
    content: 'data',
  });
  writeFileDurably(join(metaDir, name), bytes);
  const count = (status: number) => entries.filter((e) => e.status === status);
  const rows = (es: Entry[]) => es.reduce((n, e) => n + Number(e.data_file.record_count), 0);
  const liveEntries = entries.filter((e) => e.status !== STATUS.DELETED);
  const days = liveEntries.map((e) => e.data_file.partition.created_at_day!).filter((d) => d !== null);
  return {
    manifest_path: under(tableLocation, `metadata/${name}`),
    manifest_length: bytes.length,
    partition_spec_id: 0,
    content: 0,
    sequence_number: seq,
    min_sequence_number: liveEntries.length ? Math.min(...liveEntries.map((e) => Number(e.sequence_number ?? seq))) : seq,
    added_snapshot_id: snapshotId,
    added_files_count: count(STATUS.ADDED).length,
    existing_files_count: count(STATUS.EXISTING).length,
    deleted_files_count: count(STATUS.DELETED).length,
    added_rows_count: rows(count(STATUS.ADDED)),
    existing_rows_count: rows(count(STATUS.EXISTING)),
    deleted_rows_count: rows(count(STATUS.DELETED)),
    partitions: [
      {
        contains_null: false,
        contains_nan: false,
        lower_bound: days.length ? dayBound(Math.min(...days)) : null,
        upper_bound: days.length ? dayBound(Math.max(...days)) : null,
      },
    ],
    key_metadata: null,
  };
}

function readCurrent(metaDir: string): { version: number; metadata: Metadata } | null {
  const hint = join(metaDir, 'version-hint.text');
  if (!existsSync(hint)) return null;
  const version = Number(readFileSync(hint, 'utf8').trim());
  if (!Number.isInteger(version) || version < 1) throw new Error(`${hint} does not hold a metadata version number; delete the table directory to write it again`);
  return { version, metadata: JSON.parse(readFileSync(join(metaDir, `v${version}.metadata.json`), 'utf8')) };
}

/** The current snapshot's manifests, by month, with their entries (read from the local copies). */
function readSnapshotManifests(metaDir: string, metadata: Metadata): Map<string, { manifest: ManifestFile; entries: Entry[] }> {
  const out = new Map<string, { manifest: ManifestFile; entries: Entry[] }>();
  const id = metadata['current-snapshot-id'];
  const snapshot = (metadata.snapshots ?? []).find((s: Metadata) => s['snapshot-id'] === id);
  if (!snapshot) return out;
  // the metadata names its files by the table's location URI; this process reads its own copies of them
  const local = (uri: string) => join(metaDir, uri.slice(uri.lastIndexOf('/') + 1));
  for (const manifest of decodeContainer(readFileSync(local(snapshot['manifest-list']))).records as ManifestFile[]) {
    const name = manifest.manifest_path.slice(manifest.manifest_path.lastIndexOf('/') + 1);
    const month = /^m-(\d{4}-\d{2})-/.exec(name)?.[1];
    if (!month) throw new Error(`manifest ${name} was not written by compliance-lake (expected m-YYYY-MM-<snapshot>.avro); delete the table directory to write it again`);
    out.set(month, { manifest, entries: decodeContainer(readFileSync(local(manifest.manifest_path))).records as Entry[] });
  }
  return out;
}

function nextMetadata(
  current: { version: number; metadata: Metadata } | null,
  c: { tableLocation: string; dataLocation: string; snapshot: Metadata; seq: number; timestamp: number; keep: number },
): Metadata {
  const previous = current?.metadata;
  const snapshots = [...(previous?.snapshots ?? []), c.snapshot].slice(-c.keep);
  const kept = new Set(snapshots.map((s) => s['snapshot-id']));
  const metadataLog = previous
    ? [...(previous['metadata-log'] ?? []), { 'timestamp-ms': previous['last-updated-ms'], 'metadata-file': under(c.tableLocation, `metadata/v${current!.version}.metadata.json`) }].slice(-c.keep)
    : [];
  return {
    'format-version': 2,
    'table-uuid': previous?.['table-uuid'] ?? randomUUID(),
    location: c.tableLocation,
    'last-sequence-number': c.seq,
    'last-updated-ms': c.timestamp,
    'last-column-id': Math.max(...icebergFields().map((f) => f.id)),
    'current-schema-id': 0,
    schemas: [icebergSchema()],
    'default-spec-id': 0,
    'partition-specs': [partitionSpec()],
    'last-partition-id': partitionSpec().fields[0]['field-id'],
    'default-sort-order-id': 0,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    properties: {
      ...(previous?.properties ?? {}),
      'schema.name-mapping.default': nameMapping(),
      [LOCATION_PROPERTY]: c.dataLocation,
      'write.parquet.compression-codec': 'zstd',
      'compliance-lake.source': 'lake/activities (schema/iceberg.md); data files are the lake\'s, never rewritten',
    },
    'current-snapshot-id': c.snapshot['snapshot-id'],
    refs: { main: { 'snapshot-id': c.snapshot['snapshot-id'], type: 'branch' } },
    snapshots,
    'snapshot-log': [...(previous?.['snapshot-log'] ?? []), { 'timestamp-ms': c.timestamp, 'snapshot-id': c.snapshot['snapshot-id'] }].filter((s) => kept.has(s['snapshot-id'])),
    'metadata-log': metadataLog,
  };
}

function commitMetadata(metaDir: string, metadataFile: string, metadata: Metadata, version: number): void {
  const tmp = join(metaDir, `.v${version}.${randomUUID()}.tmp`);
  writeDurably(tmp, JSON.stringify(metadata, null, 1) + '\n');
  try {
    // created only if absent: two refreshes at once, one commits (the file-system catalog's rule)
    linkSync(tmp, metadataFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new IcebergCommitConflict(`another refresh committed ${metadataFile} first; run \`compliance-lake iceberg refresh\` again`);
    }
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
  const hintTmp = join(metaDir, `.version-hint.${randomUUID()}.tmp`);
  writeDurably(hintTmp, `${version}\n`);
  renameSync(hintTmp, join(metaDir, 'version-hint.text'));
  fsyncDir(metaDir);
}

/** Deletes the metadata files, manifest lists and manifests no kept snapshot or log entry names. */
function expire(metaDir: string, metadata: Metadata): void {
  const keep = new Set<string>(['version-hint.text']);
  const base = (uri: string) => uri.slice(uri.lastIndexOf('/') + 1);
  for (const m of metadata['metadata-log']) keep.add(base(m['metadata-file']));
  keep.add(`v${readFileSync(join(metaDir, 'version-hint.text'), 'utf8').trim()}.metadata.json`);
  for (const s of metadata.snapshots) {
    const list = base(s['manifest-list']);
    keep.add(list);
    if (!existsSync(join(metaDir, list))) continue;
    for (const m of decodeContainer(readFileSync(join(metaDir, list))).records as ManifestFile[]) keep.add(base(m.manifest_path));
  }
  for (const name of readdirSync(metaDir)) {
    if (keep.has(name) || name.startsWith('.')) continue;
    if (/^v\d+\.metadata\.json$/.test(name) || /^snap-\d+\.avro$/.test(name) || /^m-\d{4}-\d{2}-\d+\.avro$/.test(name)) rmSync(join(metaDir, name), { force: true });
  }
}

function writeFileDurably(path: string, bytes: Buffer): void {
  const fd = openSync(path, 'w');
  try {
    writeFileSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
