// Emits the schema as SDL into schema/schema.graphql, the committed contract (a test fails when it drifts).
// Regenerate after changing a type, argument or description:
//   npm run build && node dist/src/graphql/emit.js
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../models/catalog.js';
import { printSchema } from './graphql-js.js';
import { buildGraphqlSchema } from './schema.js';

export const SCHEMA_PATH = 'schema/schema.graphql';
export const EMIT_COMMAND = 'npm run build && node dist/src/graphql/emit.js';

const HEADER = `# The compliance-lake GraphQL API. Emitted by src/graphql/emit.ts from the code; do not edit.\n# Regenerate: ${EMIT_COMMAND}\n\n`;

/** The SDL as it is committed. */
export function printGraphqlSchema(): string {
  return HEADER + printSchema(buildGraphqlSchema()) + '\n';
}

/** Writes schema/schema.graphql; returns its path and whether it changed. */
export function emitSchema(path = join(packageRoot(), SCHEMA_PATH)): { path: string; changed: boolean } {
  const sdl = printGraphqlSchema();
  const before = existsSync(path) ? readFileSync(path, 'utf8') : null;
  if (before !== sdl) writeFileSync(path, sdl);
  return { path, changed: before !== sdl };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { path, changed } = emitSchema();
  process.stdout.write(`${changed ? 'wrote' : 'unchanged:'} ${path}\n`);
}
