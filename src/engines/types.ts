// One table of column types: each DuckDB type the lake and the marts write, as every engine names it
// (schema/ddl.md § Types). The DDL of every engine and the Iceberg schema take their types from here.

export const ENGINES = ['duckdb', 'athena', 'trino', 'spark', 'bigquery', 'snowflake', 'clickhouse'] as const;
export type Engine = (typeof ENGINES)[number];

/** Column types outside DuckDB (DuckDB keeps its own names). */
type Foreign = Exclude<Engine, 'duckdb'> | 'iceberg';

const TYPES: Record<string, Record<Foreign, string>> = {
  VARCHAR: { athena: 'string', trino: 'varchar', spark: 'STRING', bigquery: 'STRING', snowflake: 'VARCHAR', clickhouse: 'Nullable(String)', iceberg: 'string' },
  // Parquet's JSON annotation over UTF-8: a string everywhere except Snowflake, which parses it into a VARIANT.
  JSON: { athena: 'string', trino: 'varchar', spark: 'STRING', bigquery: 'STRING', snowflake: 'VARIANT', clickhouse: 'Nullable(String)', iceberg: 'string' },
  // INT64 TIMESTAMP_MICROS with isAdjustedToUTC: an instant
  'TIMESTAMP WITH TIME ZONE': {
    athena: 'timestamp',
    trino: 'timestamp(6)',
    spark: 'TIMESTAMP',
    bigquery: 'TIMESTAMP',
    snowflake: 'TIMESTAMP_TZ',
    clickhouse: "Nullable(DateTime64(6, 'UTC'))",
    iceberg: 'timestamptz',
  },
  BOOLEAN: { athena: 'boolean', trino: 'boolean', spark: 'BOOLEAN', bigquery: 'BOOL', snowflake: 'BOOLEAN', clickhouse: 'Nullable(Bool)', iceberg: 'boolean' },
  // INT32 annotated UINT_8: Spark reads it as a short; engines without unsigned types widen it
  UTINYINT: { athena: 'int', trino: 'integer', spark: 'SMALLINT', bigquery: 'INT64', snowflake: 'NUMBER(3,0)', clickhouse: 'Nullable(UInt8)', iceberg: 'int' },
  INTEGER: { athena: 'int', trino: 'integer', spark: 'INT', bigquery: 'INT64', snowflake: 'NUMBER(10,0)', clickhouse: 'Nullable(Int32)', iceberg: 'int' },
  BIGINT: { athena: 'bigint', trino: 'bigint', spark: 'BIGINT', bigquery: 'INT64', snowflake: 'NUMBER(19,0)', clickhouse: 'Nullable(Int64)', iceberg: 'long' },
  DOUBLE: { athena: 'double', trino: 'double', spark: 'DOUBLE', bigquery: 'FLOAT64', snowflake: 'FLOAT', clickhouse: 'Nullable(Float64)', iceberg: 'double' },
  DATE: { athena: 'date', trino: 'date', spark: 'DATE', bigquery: 'DATE', snowflake: 'DATE', clickhouse: 'Nullable(Date32)', iceberg: 'date' },
  'VARCHAR[]': {
    athena: 'array<string>',
    trino: 'array(varchar)',
    spark: 'ARRAY<STRING>',
    bigquery: 'ARRAY<STRING>',
    snowflake: 'ARRAY',
    clickhouse: 'Array(Nullable(String))',
    iceberg: 'list<string>',
  },
};

/** DuckDB spells some types two ways (`TIMESTAMPTZ` in our table specs, the long form in DESCRIBE). */
const ALIASES: Record<string, string> = { TIMESTAMPTZ: 'TIMESTAMP WITH TIME ZONE', INT: 'INTEGER', INT64: 'BIGINT', BOOL: 'BOOLEAN' };

export function canonicalType(duckdbType: string): string {
  const t = duckdbType.trim().toUpperCase();
  return ALIASES[t] ?? t;
}

export class UnmappedTypeError extends Error {
  override name = 'UnmappedTypeError';
}

/** The engine's name for a DuckDB column type; throws naming the table and column when there is none. */
export function engineType(engine: Engine | 'iceberg', duckdbType: string, where: string): string {
  const t = canonicalType(duckdbType);
  if (engine === 'duckdb') return t;
  const row = TYPES[t];
  if (!row) {
    throw new UnmappedTypeError(
      `${where}: DuckDB type ${duckdbType} has no mapping for other engines (src/engines/types.ts knows ${Object.keys(TYPES).join(', ')}); ` +
        'add it there and to schema/ddl.md § Types',
    );
  }
  return row[engine];
}
