// The statements that define the lake's streams and the marts as external tables in another engine, over the
// files where they sit (schema/ddl.md). One renderer per engine; the column types all come from types.ts.
import { ConfigError } from '../cli/config.js';
import type { Column, Sources, TableSource } from './sources.js';
import { type Location, under } from './location.js';
import { type Engine, canonicalType, engineType } from './types.js';

export interface DdlOptions {
  engine: Engine;
  location: Location;
  /** The schema / database / dataset the tables go in. */
  database: string;
  /** The Iceberg table over the activities, when one was written for this location (schema/iceberg.md). */
  iceberg?: IcebergTable | null;
}

export interface IcebergTable {
  /** The current metadata file's name, `v<N>.metadata.json`. */
  metadataFile: string;
}

/** Where each engine can read files from, and the base URI it should use for a location. */
function engineBase(engine: Engine, location: Location): string {
  const { scheme, base } = location;
  const refuse = (takes: string): never => {
    throw new ConfigError(`ddl --engine ${engine}: it cannot read files at ${scheme === 'file' ? `the local path ${base}` : base}; it takes ${takes} (pass --location)`);
  };
  const swap = (from: string, to: string) => base.replace(new RegExp(`^${from}://`), `${to}://`);
  switch (engine) {
    case 'duckdb':
      if (scheme === 'http' || scheme === 'https') refuse('a local path, s3://, gs:// or azure:// (for an S3-compatible endpoint, use s3://bucket/prefix and put ENDPOINT in the S3 secret)');
      return scheme === 's3a' ? swap('s3a', 's3') : base;
    case 'athena':
      if (scheme !== 's3' && scheme !== 's3a') refuse('s3://bucket/prefix');
      return swap('s3a', 's3');
    case 'trino':
    case 'spark':
      if (scheme === 'http' || scheme === 'https') refuse('a Hadoop file system URI (s3://, s3a://, gs://, abfss://, file:///path)');
      return scheme === 'file' ? `file://${base}` : base;
    case 'bigquery':
      if (!['gs', 'gcs', 's3', 's3a', 'azure'].includes(scheme)) refuse('gs://bucket/prefix (or s3:// and azure:// through BigQuery Omni)');
      return swap('gcs', 'gs').replace(/^s3a:\/\//, 's3://');
    case 'snowflake':
      if (!['gs', 'gcs', 's3', 's3a', 'azure'].includes(scheme)) refuse('s3://, gcs:// or azure:// (an external stage)');
      return swap('gs', 'gcs').replace(/^s3a:\/\//, 's3://');
    case 'clickhouse': {
      if (scheme === 'http' || scheme === 'https') return base;
      const m = /^(s3a?|gs|gcs):\/\/([^/]+)(\/.*)?$/.exec(base);
      if (!m) refuse('s3://bucket/prefix, gs://bucket/prefix or the https:// URL of an S3-compatible bucket');
      const [, s, bucket, path = ''] = m!;
      return s.startsWith('s3') ? `https://${bucket}.s3.amazonaws.com${path}` : `https://storage.googleapis.com/${bucket}${path}`;
    }
  }
}

export function renderDdl(sources: Sources, options: DdlOptions): string {
  const { engine, database } = options;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new ConfigError(`--database ${database}: use letters, digits and _ only (it is written unquoted into every statement)`);
  const base = engineBase(engine, options.location);
  const lines: string[] = [`-- compliance-lake ddl --engine ${engine}: ${sources.tables.length} tables over ${base} (schema/ddl.md)`];
  for (const s of sources.skipped) lines.push(`-- left out: ${s.relation}: ${s.reason}`);
  lines.push(...RENDER[engine].preamble(database, base), '');
  for (const table of sources.tables) {
    lines.push(`-- ${table.relation}`);
    const statement = RENDER[engine].table(table, database, under(base, table.dir));
    lines.push(statement, '');
  }
  lines.push(...icebergSection(engine, database, under(base, 'iceberg/activities'), options.iceberg ?? null));
  return lines.join('\n');
}

/** How the engine registers the Iceberg table (its metadata is written by `iceberg refresh`, never by ddl). */
function icebergSection(engine: Engine, database: string, table: string, iceberg: IcebergTable | null): string[] {
  const head = '-- lake.activities as one Iceberg table (schema/iceberg.md): exactly the committed files, no duplicates of a half-written run';
  if (!iceberg) return [head, '-- not written for this location yet: run `compliance-lake iceberg refresh --location <the same location>` first, then ddl again', ''];
  const metadata = `${table}/metadata/${iceberg.metadataFile}`;
  const body: Record<Engine, string[]> = {
    duckdb: [
      '-- needs the iceberg extension (not installed by compliance-lake):',
      `--   INSTALL iceberg; LOAD iceberg; CREATE OR REPLACE VIEW ${database}.activities_iceberg AS SELECT * FROM iceberg_scan(${lit(metadata)});`,
    ],
    athena: [
      '-- Athena reads Iceberg tables registered in Glue: register the metadata file with Glue (CreateTable with',
      `--   Parameters {table_type: ICEBERG, metadata_location: ${metadata}}), e.g. with the AWS CLI or pyiceberg's Glue catalog register_table.`,
    ],
    trino: [`CALL iceberg.system.register_table(schema_name => ${lit(database)}, table_name => 'activities_iceberg', table_location => ${lit(table)}, metadata_file_name => ${lit(iceberg.metadataFile)});`],
    spark: [`CALL spark_catalog.system.register_table(table => ${lit(`${database}.activities_iceberg`)}, metadata_file => ${lit(metadata)});`],
    bigquery: [
      `CREATE OR REPLACE EXTERNAL TABLE ${bq(`${database}.activities_iceberg`)}` +
        (metadata.startsWith('gs://') ? '' : '\nWITH CONNECTION `<project>.<region>.<connection>`') +
        `\nOPTIONS (format = 'ICEBERG', uris = [${lit(metadata)}]);`,
    ],
    snowflake: [
      '-- needs an external volume over the same bucket and a catalog integration for object storage (CATALOG_SOURCE = OBJECT_STORE, TABLE_FORMAT = ICEBERG):',
      `CREATE OR REPLACE ICEBERG TABLE ${database}.activities_iceberg EXTERNAL_VOLUME = '<external_volume>' CATALOG = '<catalog_integration>' METADATA_FILE_PATH = ${lit(metadata.slice(metadata.indexOf('iceberg/activities/')))};`,
    ],
    clickhouse: [`CREATE TABLE IF NOT EXISTS ${database}.activities_iceberg ENGINE = IcebergS3(compliance_lake_s3, url = ${lit(`${table}/`)});`],
  };
  return [head, ...body[engine], ''];
}

interface Renderer {
  preamble(database: string, base: string): string[];
  table(table: TableSource, database: string, dir: string): string;
}

function typed(engine: Engine, table: TableSource, column: Column): string {
  return engineType(engine, column.type, `${table.relation}.${column.name}`);
}

/** The folders under the table's dir its files match (a glob, where the engine takes one). */
function fileGlob(table: TableSource): string {
  switch (table.layout.kind) {
    case 'hive':
      return `${table.layout.partition.name}=*/*.parquet`;
    case 'file':
      return 'data.parquet';
    case 'folders':
      return '*/*.parquet';
  }
}

function partitionOf(table: TableSource): Column | null {
  return table.layout.kind === 'hive' ? table.layout.partition : null;
}

const dq = (name: string) => `"${name.replaceAll('"', '""')}"`;
const bq = (name: string) => `\`${name.replaceAll('`', '``')}\``;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

const duckdb: Renderer = {
  preamble: (database, base) => [
    ...(/^(s3|gs|gcs|azure|abfss):/.test(base)
      ? [
          '-- Reading object storage needs the httpfs (s3, gs) or azure extension and a secret, created first, e.g.:',
          "--   INSTALL httpfs; LOAD httpfs; CREATE SECRET compliance_lake_s3 (TYPE s3, PROVIDER credential_chain, REGION '<region>');",
        ]
      : []),
    `CREATE SCHEMA IF NOT EXISTS ${database};`,
  ],
  table(table, database, dir) {
    const partition = partitionOf(table);
    const columns = [...table.columns, ...(partition ? [partition] : [])].map((c) => dq(c.name)).join(', ');
    const options = partition
      ? `hive_partitioning = true, hive_types = {${lit(partition.name)}: ${canonicalType(partition.type)}}, union_by_name = true`
      : 'hive_partitioning = false, union_by_name = true';
    return `CREATE OR REPLACE VIEW ${database}.${table.name} AS\nSELECT ${columns}\nFROM read_parquet(${lit(under(dir, fileGlob(table)))}, ${options});`;
  },
};

function columnList(engine: Engine, table: TableSource, quote: (s: string) => string, withPartition: boolean): string {
  const partition = partitionOf(table);
  const cols = [...table.columns, ...(withPartition && partition ? [partition] : [])];
  return cols.map((c) => `  ${quote(c.name)} ${typed(engine, table, c)}`).join(',\n');
}

const athena: Renderer = {
  preamble: (database) => [`CREATE DATABASE IF NOT EXISTS ${bq(database)};`],
  table(table, database, dir) {
    const head = `CREATE EXTERNAL TABLE IF NOT EXISTS ${bq(database)}.${bq(table.name)} (\n${columnList('athena', table, bq, false)}\n)`;
    if (table.layout.kind === 'file') return `${head}\nSTORED AS PARQUET\nLOCATION ${lit(`${dir}/`)};`;
    if (table.layout.kind === 'folders' && table.layout.first === null) return `-- skipped: ${table.relation} has no <YYYY-MM>/ folder yet; run ddl again once it has`;
    // the alert marts' YYYY-MM/ folders are not Hive partitions, but projection with a location template reads them
    const { partition, format, first } =
      table.layout.kind === 'folders' ? { partition: { name: 'folder', type: 'VARCHAR' }, format: 'yyyy-MM' as const, first: table.layout.first } : table.layout;
    const p = partition.name;
    const template = table.layout.kind === 'folders' ? `${dir}/\${${p}}/` : `${dir}/${p}=\${${p}}/`;
    // Partition projection computes the partitions from the table's properties: no MSCK REPAIR, no Glue partitions.
    const projection =
      format === 'yyyy-MM-dd'
        ? [`'projection.${p}.type' = 'date'`, `'projection.${p}.format' = 'yyyy-MM-dd'`, `'projection.${p}.range' = '${first},NOW'`, `'projection.${p}.interval' = '1'`, `'projection.${p}.interval.unit' = 'DAYS'`]
        : [`'projection.${p}.type' = 'date'`, `'projection.${p}.format' = 'yyyy-MM'`, `'projection.${p}.range' = '${first},NOW'`, `'projection.${p}.interval' = '1'`, `'projection.${p}.interval.unit' = 'MONTHS'`];
    return (
      `${head}\nPARTITIONED BY (${bq(p)} ${typed('athena', table, partition)})\nSTORED AS PARQUET\nLOCATION ${lit(`${dir}/`)}\nTBLPROPERTIES (\n` +
      ["'projection.enabled' = 'true'", ...projection, `'storage.location.template' = ${lit(template)}`].map((l) => `  ${l}`).join(',\n') +
      '\n);'
    );
  },
};

const trino: Renderer = {
  preamble: (database) => [
    '-- Hive connector, catalog `hive`; the timestamps are microseconds.',
    "SET SESSION hive.timestamp_precision = 'MICROSECONDS';",
    `CREATE SCHEMA IF NOT EXISTS hive.${database};`,
  ],
  table(table, database, dir) {
    if (table.layout.kind === 'folders') {
      return `-- skipped: ${table.relation} sits in ${dir}/<YYYY-MM>/ folders, which are not Hive partitions; the Hive connector reads them only with hive.recursive-directories=true on a table over ${dir}`;
    }
    const partition = partitionOf(table);
    const props = [`format = 'PARQUET'`, `external_location = ${lit(dir)}`, ...(partition ? [`partitioned_by = ARRAY[${lit(partition.name)}]`] : [])];
    const create = `CREATE TABLE IF NOT EXISTS hive.${database}.${dq(table.name)} (\n${columnList('trino', table, dq, true)}\n)\nWITH (${props.join(', ')});`;
    return partition ? `${create}\nCALL hive.system.sync_partition_metadata(${lit(database)}, ${lit(table.name)}, 'FULL');` : create;
  },
};

const spark: Renderer = {
  preamble: (database) => [`CREATE DATABASE IF NOT EXISTS ${bq(database)};`],
  table(table, database, dir) {
    const partition = partitionOf(table);
    const head = `CREATE TABLE IF NOT EXISTS ${bq(database)}.${bq(table.name)} (\n${columnList('spark', table, bq, true)}\n)\nUSING parquet`;
    if (partition) return `${head}\nPARTITIONED BY (${bq(partition.name)})\nLOCATION ${lit(dir)};\nMSCK REPAIR TABLE ${bq(database)}.${bq(table.name)};`;
    if (table.layout.kind === 'folders') return `${head}\nOPTIONS (recursiveFileLookup 'true')\nLOCATION ${lit(dir)};`;
    return `${head}\nLOCATION ${lit(dir)};`;
  },
};

const bigquery: Renderer = {
  preamble: (database, base) => [
    ...(base.startsWith('gs://') ? [] : ['-- BigQuery Omni: replace <project>.<region>.<connection> with the connection to your bucket.']),
    `CREATE SCHEMA IF NOT EXISTS ${bq(database)};`,
  ],
  table(table, database, dir) {
    const partition = partitionOf(table);
    const hasList = table.columns.some((c) => canonicalType(c.type).endsWith('[]'));
    const connection = dir.startsWith('gs://') ? '' : '\nWITH CONNECTION `<project>.<region>.<connection>`';
    const uris = table.layout.kind === 'file' ? `${dir}/data.parquet` : `${dir}/*`;
    const options = [
      "format = 'PARQUET'",
      `uris = [${lit(uris)}]`,
      ...(partition ? [`hive_partition_uri_prefix = ${lit(dir)}`, 'require_hive_partition_filter = false'] : []),
      ...(hasList ? ['enable_list_inference = true'] : []),
    ];
    return (
      `CREATE OR REPLACE EXTERNAL TABLE ${bq(`${database}.${table.name}`)} (\n${columnList('bigquery', table, bq, false)}\n)` +
      (partition ? `\nWITH PARTITION COLUMNS (${bq(partition.name)} ${typed('bigquery', table, partition)})` : '') +
      `${connection}\nOPTIONS (\n${options.map((o) => `  ${o}`).join(',\n')}\n);`
    );
  },
};

/** Snowflake folds unquoted names to upper case: quoting the upper-case name keeps queries unquoted. */
const sfName = (name: string) => dq(name.toUpperCase());

const snowflake: Renderer = {
  preamble: (database, base) => [
    `-- A storage integration gives Snowflake access to ${base}; create it first (an ACCOUNTADMIN step) and name it below.`,
    `CREATE SCHEMA IF NOT EXISTS ${database};`,
    `CREATE STAGE IF NOT EXISTS ${database}.compliance_lake_stage URL = ${lit(`${base}/`)} STORAGE_INTEGRATION = <storage_integration>;`,
    `CREATE FILE FORMAT IF NOT EXISTS ${database}.compliance_lake_parquet TYPE = PARQUET USE_LOGICAL_TYPE = TRUE;`,
  ],
  table(table, database, dir) {
    const relative = dir.slice(dir.indexOf(table.dir));
    const value = (c: Column) => {
      const t = typed('snowflake', table, c);
      const v = `value:${dq(c.name)}`;
      return t === 'VARIANT' ? `TRY_PARSE_JSON(${v}::VARCHAR)` : `${v}::${t}`;
    };
    const cols = table.columns.map((c) => `  ${sfName(c.name)} ${typed('snowflake', table, c)} AS (${value(c)})`);
    const partition = partitionOf(table);
    if (partition) {
      const p = partition.name;
      const text = `SPLIT_PART(SPLIT_PART(METADATA$FILENAME, ${lit(`${p}=`)}, 2), '/', 1)`;
      const t = typed('snowflake', table, partition);
      cols.push(`  ${sfName(p)} ${t} AS (${t === 'DATE' ? `TO_DATE(${text}, 'YYYY-MM-DD')` : text})`);
    }
    const pattern = table.layout.kind === 'file' ? '.*/data[.]parquet' : '.*[.]parquet';
    return (
      `CREATE OR REPLACE EXTERNAL TABLE ${database}.${table.name} (\n${cols.join(',\n')}\n)` +
      (partition ? `\nPARTITION BY (${sfName(partition.name)})` : '') +
      `\nLOCATION = @${database}.compliance_lake_stage/${relative}/\nPATTERN = ${lit(pattern)}\nFILE_FORMAT = (FORMAT_NAME = ${lit(`${database}.compliance_lake_parquet`)})\nAUTO_REFRESH = FALSE;\n` +
      `ALTER EXTERNAL TABLE ${database}.${table.name} REFRESH;`
    );
  },
};

const clickhouse: Renderer = {
  preamble: (database) => [
    '-- Credentials come from a named collection, created first: CREATE NAMED COLLECTION compliance_lake_s3 AS access_key_id = \'…\', secret_access_key = \'…\';',
    '-- The partition folders are not columns here: SETTINGS use_hive_partitioning = 1 on a query exposes them, and _path names each row\'s file.',
    `CREATE DATABASE IF NOT EXISTS ${database};`,
  ],
  table(table, database, dir) {
    return (
      `CREATE TABLE IF NOT EXISTS ${database}.${bq(table.name)} (\n${columnList('clickhouse', table, bq, false)}\n)\n` +
      `ENGINE = S3(compliance_lake_s3, url = ${lit(under(dir, fileGlob(table)))}, format = 'Parquet');`
    );
  },
};

const RENDER: Record<Engine, Renderer> = { duckdb, athena, trino, spark, bigquery, snowflake, clickhouse };
