// Read-only SQL against data/warehouse.duckdb (the `sql` command): opens the file READ_ONLY, so it never
// blocks a build (which writes a new file beside it) nor another reader, streams the result chunk by chunk,
// and renders it as a table, JSON or CSV with timestamps as ISO 8601 UTC.
import { existsSync } from 'node:fs';
import type {
  DuckDBConnection,
  DuckDBPreparedStatement,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBValueConverter,
  Json,
} from '@duckdb/node-api';
import { type DuckApi, connectUtc, createDuck, duckApi } from '../lake/duck.js';
import { namesMissingLakeFile } from './lake-source.js';
import { relocateWarehouse, warehousePath } from './warehouse.js';

export const OUTPUT_FORMATS = ['table', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Rows the table format reads before it fixes its column widths. */
const TABLE_SAMPLE_ROWS = 1000;
/** Widest cell the table format prints (longer values are cut with an ellipsis). */
const TABLE_MAX_WIDTH = 60;

export class WarehouseMissingError extends Error {
  override name = 'WarehouseMissingError';
  constructor(readonly path: string) {
    super(`no warehouse at ${path}: run \`compliance-lake models build\` first`);
  }
}

export class ReadOnlyWarehouseError extends Error {
  override name = 'ReadOnlyWarehouseError';
}

export class QueryError extends Error {
  override name = 'QueryError';
}

/** A DuckDB value as JSON-able data: timestamps as ISO 8601 (UTC, microseconds), JSON columns parsed. */
function displayConverter(api: DuckApi): DuckDBValueConverter<unknown> {
  const { DuckDBTypeId, DuckDBTimestampTZValue, JsonDuckDBValueConverter } = api;
  const posInf = DuckDBTimestampTZValue.PosInf.micros;
  const negInf = DuckDBTimestampTZValue.NegInf.micros;
  const iso = (micros: bigint, zone: 'Z' | ''): string => (micros === posInf ? 'infinity' : micros === negInf ? '-infinity' : isoFromMicros(micros, zone));
  return (value, type, converter) => {
    if (value === null || value === undefined) return null;
    switch (type.typeId) {
      case DuckDBTypeId.TIMESTAMP_TZ:
        return iso((value as DuckDBTimestampTZValue).micros, 'Z');
      case DuckDBTypeId.TIMESTAMP:
        return iso((value as DuckDBTimestampValue).micros, '');
      case DuckDBTypeId.BIGINT:
      case DuckDBTypeId.UBIGINT:
      case DuckDBTypeId.HUGEINT:
      case DuckDBTypeId.UHUGEINT: {
        const n = BigInt(String(value));
        return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
      }
      case DuckDBTypeId.DECIMAL:
        return Number(String(value));
      case DuckDBTypeId.VARCHAR:
        if (type.alias === 'JSON') {
          try {
            return JSON.parse(String(value)) as unknown;
          } catch {
            return String(value);
          }
        }
        return String(value);
      default:
        return JsonDuckDBValueConverter(value, type, converter as unknown as DuckDBValueConverter<Json>);
    }
  };
}

function isoFromMicros(micros: bigint, zone: 'Z' | ''): string {
  const ms = micros / 1000n;
  const rest = Number(((micros % 1000n) + 1000n) % 1000n);
  const floorMs = micros < 0n && rest !== 0 ? ms - 1n : ms;
  const base = new Date(Number(floorMs)).toISOString().slice(0, 23);
  return `${base}${String(rest).padStart(3, '0')}${zone}`;
}

/** Where results go; a promise from write (a full stdout buffer) is awaited before the next chunk is read. */
export interface QueryOutput {
  write(text: string): void | Promise<void>;
}

/** Opens the warehouse read-only with UTC as the session time zone. */
export async function openWarehouse(dataDir: string): Promise<{ connection: DuckDBConnection; api: DuckApi; close(): void }> {
  const path = warehousePath(dataDir);
  if (!existsSync(path)) throw new WarehouseMissingError(path);
  // a data directory moved or restored from a copy: point the views at its own files first
  await relocateWarehouse(dataDir);
  const instance = await createDuck({ path, readOnly: true, threads: 4 });
  const connection = await connectUtc(instance);
  return {
    connection,
    api: await duckApi(),
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * Runs `sql` (one or more statements; the last one's result is printed) against the warehouse and writes the
 * result to `out` as it streams. Returns the number of rows written.
 */
export async function queryWarehouse(dataDir: string, sql: string, format: OutputFormat, out: QueryOutput): Promise<number> {
  const warehouse = await openWarehouse(dataDir);
  try {
    const statements = await warehouse.connection.extractStatements(sql).catch(rethrow);
    if (statements.count === 0) throw new QueryError('no SQL statement given');
    const prepared = [];
    // every statement is checked before any runs: a refused one anywhere means nothing ran
    for (let i = 0; i < statements.count; i++) prepared.push(readOnly(warehouse.api, await statements.prepare(i).catch(rethrow)));
    for (const statement of prepared.slice(0, -1)) await statement.run().catch(rethrow);
    const result = await prepared[prepared.length - 1].stream().catch(rethrow);
    const columns = result.columnNames();
    // the result's column types keep aliases (JSON) that a chunk's vectors do not
    const types = result.columnTypes();
    const writer = format === 'json' ? jsonWriter(columns) : format === 'csv' ? csvWriter(columns) : tableWriter(columns);
    const displayValue = displayConverter(warehouse.api);
    let rows = 0;
    for (;;) {
      const chunk = await result.fetchChunk().catch(rethrow);
      if (!chunk || chunk.rowCount === 0) break;
      const converted = chunk.getRows().map((row) => row.map((v, i) => displayValue(v, types[i], displayValue)));
      rows += converted.length;
      const text = writer.rows(converted);
      if (text) await out.write(text);
    }
    await out.write(writer.end(rows));
    return rows;
  } finally {
    warehouse.close();
  }
}

/** Rows of a query as objects (display values); for tests and small results. */
export async function warehouseRows(dataDir: string, sql: string): Promise<Record<string, unknown>[]> {
  const warehouse = await openWarehouse(dataDir);
  try {
    const reader = await warehouse.connection.runAndReadAll(sql).catch(rethrow);
    const columns = reader.columnNames();
    const types = reader.columnTypes();
    const displayValue = displayConverter(warehouse.api);
    return reader.getRows().map((row) => Object.fromEntries(row.map((v, i) => [columns[i], displayValue(v, types[i], displayValue)])));
  } finally {
    warehouse.close();
  }
}

/**
 * Statements `sql` runs: queries and session settings. The warehouse is opened READ_ONLY, but DuckDB would
 * still write files (`COPY ... TO`, `EXPORT DATABASE`), attach other databases or load extensions.
 */
function readOnly(api: DuckApi, statement: DuckDBPreparedStatement): DuckDBPreparedStatement {
  const { StatementType } = api;
  const allowed = [StatementType.SELECT, StatementType.EXPLAIN, StatementType.PRAGMA, StatementType.SET, StatementType.VARIABLE_SET, StatementType.CALL];
  if (allowed.includes(statement.statementType)) return statement;
  const kind = StatementType[statement.statementType] ?? String(statement.statementType);
  throw new ReadOnlyWarehouseError(
    `the warehouse is read-only: \`sql\` runs queries (SELECT, EXPLAIN, PRAGMA, SET, CALL), not ${kind.replaceAll('_', ' ')} statements; nothing was run. ` +
      'To export a result, use `--format csv` or `--format json` and redirect it; the models are rebuilt with `compliance-lake models build`.',
  );
}

function rethrow(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  if (/read-only mode|read only mode|in read-only|attached in read-only/i.test(message)) {
    throw new ReadOnlyWarehouseError(
      `the warehouse is read-only: \`sql\` runs queries, it cannot change the database (DuckDB: ${firstLine(message)}). ` +
        'The models are rebuilt with `compliance-lake models build`.',
    );
  }
  if (namesMissingLakeFile(message)) {
    throw new QueryError(
      `a lake file this warehouse's staging views name is gone: a compaction (after \`sync\` or \`compact\`) replaced it ` +
        'since the last `compliance-lake models build`. Run `compliance-lake models build` (incremental, quick) and query again; ' +
        `the marts are not affected. (DuckDB: ${firstLine(message)})`,
    );
  }
  throw new QueryError(message);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0];
}

/** Renders rows as text, chunk by chunk. */
interface RowWriter {
  rows(rows: unknown[][]): string;
  end(total: number): string;
}

function jsonWriter(columns: string[]): RowWriter {
  let first = true;
  return {
    rows(rows) {
      let text = '';
      for (const row of rows) {
        text += `${first ? '[\n' : ',\n'}  ${JSON.stringify(Object.fromEntries(row.map((v, i) => [columns[i], v])))}`;
        first = false;
      }
      return text;
    },
    end: () => (first ? '[]\n' : '\n]\n'),
  };
}

function csvWriter(columns: string[]): RowWriter {
  let header = columns.map(csvCell).join(',') + '\n';
  const once = () => {
    const h = header;
    header = '';
    return h;
  };
  return {
    rows: (rows) => once() + rows.map((row) => row.map(csvCell).join(',') + '\n').join(''),
    end: () => once(),
  };
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function tableWriter(columns: string[]): RowWriter {
  let widths: number[] | null = null;
  const buffered: string[][] = [];
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths![i])).join('  ').trimEnd() + '\n';
  const flush = () => {
    widths = columns.map((c, i) => Math.min(TABLE_MAX_WIDTH, Math.max(c.length, ...buffered.map((r) => r[i].length))));
    const text = line(columns) + widths.map((w) => '-'.repeat(w)).join('  ') + '\n' + buffered.map(line).join('');
    buffered.length = 0;
    return text;
  };
  return {
    rows(rows) {
      let text = '';
      for (const row of rows) {
        const cells = row.map(tableCell);
        if (widths) text += line(cells);
        else {
          buffered.push(cells);
          if (buffered.length >= TABLE_SAMPLE_ROWS) text += flush();
        }
      }
      return text;
    },
    end: (total) => (widths ? '' : flush()) + `(${total} row${total === 1 ? '' : 's'})\n`,
  };
}

function tableCell(value: unknown): string {
  const text = value === null || value === undefined ? 'NULL' : typeof value === 'string' ? value : JSON.stringify(value);
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length > TABLE_MAX_WIDTH ? `${flat.slice(0, TABLE_MAX_WIDTH - 1)}…` : flat;
}
