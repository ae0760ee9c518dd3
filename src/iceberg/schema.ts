// The Iceberg side of the activities table (schema/iceberg.md § The table): the schema with field ids, the
// name mapping for the lake's Parquet files (written without ids), the partition spec day(created_at), and
// the Avro schemas of a v2 manifest and manifest list, with the field ids the Iceberg spec assigns.
import { engineType } from '../engines/types.js';
import { TABLES, allColumns } from '../lake/tables.js';

export const STREAM = 'activities';
export const PARTITION_SOURCE = 'created_at';
export const PARTITION_FIELD = { name: 'created_at_day', transform: 'day', fieldId: 1000 } as const;
/** Columns with no bounds: JSON text, whose order means nothing to a query. */
export const NO_BOUNDS = new Set(['rest', 'actor_rest']);

export interface IcebergField {
  id: number;
  name: string;
  required: false;
  type: string;
}

/** The activities' columns in file order, ids from 1 (provenance included). */
export function icebergFields(): IcebergField[] {
  return Object.entries(allColumns(TABLES[STREAM])).map(([name, type], i) => ({
    id: i + 1,
    name,
    required: false,
    type: engineType('iceberg', type, `lake.${STREAM}.${name}`),
  }));
}

export function icebergSchema(): { type: 'struct'; 'schema-id': 0; fields: IcebergField[] } {
  return { type: 'struct', 'schema-id': 0, fields: icebergFields() };
}

export function partitionSpec(): { 'spec-id': 0; fields: { name: string; transform: string; 'source-id': number; 'field-id': number }[] } {
  const source = icebergFields().find((f) => f.name === PARTITION_SOURCE)!;
  return { 'spec-id': 0, fields: [{ name: PARTITION_FIELD.name, transform: PARTITION_FIELD.transform, 'source-id': source.id, 'field-id': PARTITION_FIELD.fieldId }] };
}

/** `schema.name-mapping.default`: the Parquet files carry no field ids, so columns are found by name. */
export function nameMapping(): string {
  return JSON.stringify(icebergFields().map((f) => ({ 'field-id': f.id, names: [f.name] })));
}

const opt = (type: unknown) => ['null', type];
const intMap = (name: string, id: number, keyId: number, valueId: number, value: 'long' | 'bytes') => ({
  name,
  type: opt({
    type: 'array',
    logicalType: 'map',
    items: {
      type: 'record',
      name: `k${keyId}_v${valueId}`,
      fields: [
        { name: 'key', type: 'int', 'field-id': keyId },
        { name: 'value', type: value, 'field-id': valueId },
      ],
    },
  }),
  default: null,
  'field-id': id,
});

/** Avro schema of a v2 data manifest's entries (Iceberg spec § Manifests). */
export function manifestEntrySchema(): object {
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      { name: 'status', type: 'int', 'field-id': 0 },
      { name: 'snapshot_id', type: opt('long'), default: null, 'field-id': 1 },
      { name: 'sequence_number', type: opt('long'), default: null, 'field-id': 3 },
      { name: 'file_sequence_number', type: opt('long'), default: null, 'field-id': 4 },
      {
        name: 'data_file',
        'field-id': 2,
        type: {
          type: 'record',
          name: 'r2',
          fields: [
            { name: 'content', type: 'int', 'field-id': 134 },
            { name: 'file_path', type: 'string', 'field-id': 100 },
            { name: 'file_format', type: 'string', 'field-id': 101 },
            {
              name: 'partition',
              'field-id': 102,
              type: {
                type: 'record',
                name: 'r102',
                fields: [{ name: PARTITION_FIELD.name, type: opt({ type: 'int', logicalType: 'date' }), default: null, 'field-id': PARTITION_FIELD.fieldId }],
              },
            },
            { name: 'record_count', type: 'long', 'field-id': 103 },
            { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
            intMap('column_sizes', 108, 117, 118, 'long'),
            intMap('value_counts', 109, 119, 120, 'long'),
            intMap('null_value_counts', 110, 121, 122, 'long'),
            intMap('nan_value_counts', 137, 138, 139, 'long'),
            intMap('lower_bounds', 125, 126, 127, 'bytes'),
            intMap('upper_bounds', 128, 129, 130, 'bytes'),
            { name: 'key_metadata', type: opt('bytes'), default: null, 'field-id': 131 },
            { name: 'split_offsets', type: opt({ type: 'array', items: 'long', 'element-id': 133 }), default: null, 'field-id': 132 },
            { name: 'equality_ids', type: opt({ type: 'array', items: 'int', 'element-id': 136 }), default: null, 'field-id': 135 },
            { name: 'sort_order_id', type: opt('int'), default: null, 'field-id': 140 },
          ],
        },
      },
    ],
  };
}

/** Avro schema of a v2 manifest list (Iceberg spec § Manifest Lists). */
export function manifestListSchema(): object {
  return {
    type: 'record',
    name: 'manifest_file',
    fields: [
      { name: 'manifest_path', type: 'string', 'field-id': 500 },
      { name: 'manifest_length', type: 'long', 'field-id': 501 },
      { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
      { name: 'content', type: 'int', 'field-id': 517 },
      { name: 'sequence_number', type: 'long', 'field-id': 515 },
      { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
      { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
      { name: 'added_files_count', type: 'int', 'field-id': 504 },
      { name: 'existing_files_count', type: 'int', 'field-id': 505 },
      { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
      { name: 'added_rows_count', type: 'long', 'field-id': 512 },
      { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
      { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
      {
        name: 'partitions',
        type: opt({
          type: 'array',
          'element-id': 508,
          items: {
            type: 'record',
            name: 'r508',
            fields: [
              { name: 'contains_null', type: 'boolean', 'field-id': 509 },
              { name: 'contains_nan', type: opt('boolean'), default: null, 'field-id': 518 },
              { name: 'lower_bound', type: opt('bytes'), default: null, 'field-id': 510 },
              { name: 'upper_bound', type: opt('bytes'), default: null, 'field-id': 511 },
            ],
          },
        }),
        default: null,
        'field-id': 507,
      },
      { name: 'key_metadata', type: opt('bytes'), default: null, 'field-id': 519 },
    ],
  };
}
