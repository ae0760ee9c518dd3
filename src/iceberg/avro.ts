// Avro object container files (the format of Iceberg's manifests and manifest lists), written and read whole:
// a header (magic, metadata map, sync marker), then blocks of records, uncompressed. avsc encodes the records;
// the schema's Iceberg attributes (field-id, element-id, logicalType map) pass through as written.
import { randomBytes } from 'node:crypto';
import avro from 'avsc';

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // 'Obj' 1
const HEADER = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
const LONG = avro.Type.forSchema('long');
const RECORDS_PER_BLOCK = 4096;
/** Parsed schemas by their JSON text: building a Type costs more than decoding a small manifest. */
const TYPES = new Map<string, avro.Type>();

function typeOf(schemaJson: string): avro.Type {
  let type = TYPES.get(schemaJson);
  if (!type) {
    type = avro.Type.forSchema(JSON.parse(schemaJson));
    TYPES.set(schemaJson, type);
  }
  return type;
}

/** An Avro container holding `records`, with `metadata` (avro.schema and avro.codec are added). */
export function encodeContainer(schema: object, records: readonly unknown[], metadata: Record<string, string>): Buffer {
  const schemaJson = JSON.stringify(schema);
  const type = typeOf(schemaJson);
  const meta: Record<string, Buffer> = { 'avro.schema': Buffer.from(schemaJson), 'avro.codec': Buffer.from('null') };
  for (const [k, v] of Object.entries(metadata)) meta[k] = Buffer.from(v);
  const sync = randomBytes(16);
  const parts: Buffer[] = [HEADER.toBuffer({ magic: MAGIC, meta, sync })];
  for (let i = 0; i < records.length; i += RECORDS_PER_BLOCK) {
    const block = records.slice(i, i + RECORDS_PER_BLOCK).map((r) => type.toBuffer(r));
    const body = Buffer.concat(block);
    parts.push(LONG.toBuffer(block.length), LONG.toBuffer(body.length), body, sync);
  }
  return Buffer.concat(parts);
}

/** The metadata and records of an Avro container written uncompressed (as encodeContainer writes them). */
export function decodeContainer(buf: Buffer): { metadata: Record<string, string>; records: any[] } {
  const { value: header, offset: start } = HEADER.decode(buf, 0);
  if (!header || !Buffer.from(header.magic).equals(MAGIC)) throw new Error('not an Avro container file (bad magic)');
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(header.meta as Record<string, Buffer>)) metadata[k] = v.toString('utf8');
  if ((metadata['avro.codec'] ?? 'null') !== 'null') throw new Error(`Avro codec ${metadata['avro.codec']} is not supported here`);
  const type = typeOf(metadata['avro.schema']);
  const records: any[] = [];
  let pos = start;
  while (pos < buf.length) {
    const count = LONG.decode(buf, pos);
    const size = LONG.decode(buf, count.offset);
    let at = size.offset;
    for (let i = 0; i < count.value; i++) {
      const r = type.decode(buf, at);
      if (r.offset < 0) throw new Error('truncated Avro block');
      records.push(r.value);
      at = r.offset;
    }
    pos = size.offset + size.value + 16;
  }
  return { metadata, records };
}
