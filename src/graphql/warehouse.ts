// Read-only access to data/warehouse.duckdb for the GraphQL server. `models build` writes a new file and
// renames it over the old one, so the file is opened READ_ONLY (never a write lock: design.md invariant 8) and
// re-opened when its inode, size or mtime changed; requests still running on the old file finish on it.
// Between two builds the file never changes, so each opened generation keeps the Parquet footers it read
// (parquet_metadata_cache) and the answers of recent statements (a small result cache keyed by the SQL and
// its parameters): both go with the generation when a rebuild replaces the file.
import type { DuckDBInstance, DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { connectUtc, createDuck } from '../lake/duck.js';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { relocateWarehouse } from '../models/warehouse.js';

export const WAREHOUSE_FILE = 'warehouse.duckdb';
export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;
const DEFAULT_MEMORY_LIMIT = '1GB';

export type Row = Record<string, unknown>;
export type Params = Record<string, DuckDBValue>;

export interface WarehouseOptions {
  /** DuckDB memory_limit, e.g. '1GB'. */
  memoryLimit?: string;
  /** DuckDB threads; default one per core. */
  threads?: number;
  /** A query running longer than this is interrupted. */
  queryTimeoutMs?: number;
  /**
   * Answers kept per warehouse generation (0: none). Default RESULT_CACHE_ENTRIES, or 0 when the environment
   * has COMPLIANCE_LAKE_QUERY_CACHE=off (benchmarks measure the uncached statements that way).
   */
  resultCacheEntries?: number;
}

/** Statements whose answers a generation keeps (least recently used first out). */
export const RESULT_CACHE_ENTRIES = 512;
/** A larger answer is not kept: the cache is for the counts and pages the console asks for again and again. */
export const RESULT_CACHE_MAX_ROWS = 5_000;

/** The warehouse file is missing or cannot be opened. */
export class WarehouseUnavailableError extends Error {
  override name = 'WarehouseUnavailableError';
  constructor(
    message: string,
    /** For the server log only: may name paths. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** A query ran past the timeout and was interrupted. */
export class QueryTimeoutError extends Error {
  override name = 'QueryTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`the query ran longer than ${timeoutMs / 1000} s and was stopped`);
  }
}

/** One request's view of the warehouse: every query of the request reads the same file. */
export interface WarehouseLease {
  query(sql: string, params?: Params): Promise<Row[]>;
  /** Whether the file has `relation` (schema.name): a warehouse built by an older version lacks newer marts. */
  has(relation: string): Promise<boolean>;
  release(): void;
}

interface FileId {
  ino: number;
  size: number;
  mtimeMs: number;
}

interface Generation {
  id: FileId;
  instance: DuckDBInstance;
  idle: DuckDBConnection[];
  leases: number;
  running: number;
  retired: boolean;
  closed: boolean;
  relations: Promise<Set<string>> | null;
  /** Answers by statement (cacheKey), in least recently used order. */
  results: Map<string, Row[]>;
}

export class Warehouse {
  readonly path: string;
  readonly #dataDir: string;
  readonly #options: { memoryLimit: string; threads: number | undefined; queryTimeoutMs: number; resultCacheEntries: number };
  #current: Generation | null = null;
  #opening: Promise<Generation> | null = null;
  #closed = false;

  constructor(dataDir: string, options: WarehouseOptions = {}) {
    this.path = join(dataDir, WAREHOUSE_FILE);
    this.#dataDir = dataDir;
    this.#options = {
      memoryLimit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
      threads: options.threads,
      queryTimeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      resultCacheEntries: options.resultCacheEntries ?? (process.env.COMPLIANCE_LAKE_QUERY_CACHE === 'off' ? 0 : RESULT_CACHE_ENTRIES),
    };
  }

  /** The file's modification time, or null when there is none. */
  builtAt(): Date | null {
    const id = this.#stat();
    return id ? new Date(id.mtimeMs) : null;
  }

  /** A lease taken on the first query (requests that never query, such as syncStatus, need no warehouse). */
  session(): WarehouseLease {
    let lease: Promise<WarehouseLease> | null = null;
    let released = false;
    return {
      query: async (sql, params) => {
        if (released) throw new Error('query on a released warehouse session');
        lease ??= this.lease();
        return (await lease).query(sql, params);
      },
      has: async (relation) => {
        if (released) throw new Error('query on a released warehouse session');
        lease ??= this.lease();
        return (await lease).has(relation);
      },
      release: () => {
        released = true;
        lease?.then(
          (l) => l.release(),
          () => undefined,
        );
      },
    };
  }

  async lease(): Promise<WarehouseLease> {
    if (this.#closed) throw new WarehouseUnavailableError('the warehouse is closed');
    let generation = await this.#generation();
    // A rebuild may have retired and closed it while this request waited: take the newer one.
    while (generation.closed) generation = await this.#generation();
    generation.leases++;
    let released = false;
    return {
      query: (sql, params) => {
        if (released) throw new Error('query on a released warehouse lease');
        return this.#cachedQuery(generation, sql, params ?? {});
      },
      has: async (relation) => {
        if (released) throw new Error('query on a released warehouse lease');
        generation.relations ??= this.#query(
          generation,
          "select schema_name || '.' || view_name as r from duckdb_views() where not internal " +
            "union all select schema_name || '.' || table_name from duckdb_tables() where not internal",
          {},
        ).then((rows) => new Set(rows.map((r) => String(r.r))));
        return (await generation.relations).has(relation);
      },
      release: () => {
        if (released) return;
        released = true;
        generation.leases--;
        this.#closeIfUnused(generation);
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#opening?.catch(() => undefined);
    const current = this.#current;
    this.#current = null;
    if (current) {
      current.retired = true;
      this.#closeIfUnused(current);
    }
  }

  async #generation(): Promise<Generation> {
    const id = this.#stat();
    if (!id) throw new WarehouseUnavailableError('there is no warehouse yet (warehouse.duckdb in the data dir); run `compliance-lake models build`');
    const current = this.#current;
    if (current && sameFile(current.id, id)) return current;
    if (!this.#opening) {
      this.#opening = this.#open(id).finally(() => {
        this.#opening = null;
      });
    }
    return this.#opening;
  }

  async #open(id: FileId): Promise<Generation> {
    let instance: DuckDBInstance;
    try {
      // a data directory moved or restored from a copy: its views are pointed at its own files first
      if ((await relocateWarehouse(this.#dataDir)).moved) id = this.#stat() ?? id;
    } catch (err) {
      throw new WarehouseUnavailableError('the data directory moved and the warehouse could not be rewritten for it; see the server log', (err as Error).message);
    }
    try {
      instance = await createDuck({ path: this.path, readOnly: true, memoryLimit: this.#options.memoryLimit, threads: this.#options.threads });
    } catch (err) {
      throw new WarehouseUnavailableError('the warehouse could not be opened; see the server log', (err as Error).message);
    }
    if (this.#closed) {
      instance.closeSync();
      throw new WarehouseUnavailableError('the warehouse is closed');
    }
    const generation: Generation = { id, instance, idle: [], leases: 0, running: 0, retired: false, closed: false, relations: null, results: new Map() };
    const previous = this.#current;
    this.#current = generation;
    if (previous) {
      previous.retired = true;
      this.#closeIfUnused(previous);
    }
    return generation;
  }

  /** The generation's kept answer, or the statement run (and its answer kept when small). */
  async #cachedQuery(generation: Generation, sql: string, params: Params): Promise<Row[]> {
    const max = this.#options.resultCacheEntries;
    if (max === 0) return this.#query(generation, sql, params);
    const key = cacheKey(sql, params);
    const kept = generation.results.get(key);
    if (kept) {
      generation.results.delete(key);
      generation.results.set(key, kept);
      // callers get their own array (the rows are only read: services map them into new objects)
      return [...kept];
    }
    const rows = await this.#query(generation, sql, params);
    if (rows.length <= RESULT_CACHE_MAX_ROWS) {
      generation.results.set(key, rows);
      while (generation.results.size > max) generation.results.delete(generation.results.keys().next().value!);
    }
    return [...rows];
  }

  async #query(generation: Generation, sql: string, params: Params): Promise<Row[]> {
    generation.running++;
    let connection: DuckDBConnection;
    try {
      connection = generation.idle.pop() ?? (await this.#connect(generation));
    } catch (err) {
      generation.running--;
      throw err;
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      connection.interrupt();
    }, this.#options.queryTimeoutMs);
    try {
      const reader = await connection.runAndReadAll(sql, params);
      return reader.getRowObjectsJS() as Row[];
    } catch (err) {
      if (timedOut) throw new QueryTimeoutError(this.#options.queryTimeoutMs);
      throw err;
    } finally {
      clearTimeout(timer);
      generation.running--;
      generation.idle.push(connection);
      this.#closeIfUnused(generation);
    }
  }

  async #connect(generation: Generation): Promise<DuckDBConnection> {
    const connection = await connectUtc(generation.instance);
    // The file's Parquet footers stay the same until the next build, which opens a new generation: reading
    // the 72 monthly files' footers again was a large part of a short query (BENCHMARKS.md, issue 13).
    await connection.run('SET parquet_metadata_cache = true');
    return connection;
  }

  #closeIfUnused(generation: Generation): void {
    if (generation.closed || !generation.retired || generation.leases > 0 || generation.running > 0) return;
    generation.closed = true;
    for (const c of generation.idle.splice(0)) c.closeSync();
    generation.results.clear();
    generation.instance.closeSync();
  }

  #stat(): FileId | null {
    try {
      const s = statSync(this.path);
      return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return null;
    }
  }
}

/** The statement and its parameters as one text (timestamps as their microseconds, BIGINTs as digits). */
function cacheKey(sql: string, params: Params): string {
  return `${sql}\u0000${JSON.stringify(params, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
}

function sameFile(a: FileId, b: FileId): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
