// The committed SDL (schema/schema.graphql) is what the code emits: a change to a type, argument or
// description without regenerating the file fails here, naming the command that regenerates it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { EMIT_COMMAND, SCHEMA_PATH, emitSchema, printGraphqlSchema } from '../src/graphql/emit.js';
import { packageRoot } from '../src/models/catalog.js';
import { buildSchema } from '../src/graphql/graphql-js.js';

describe('schema/schema.graphql', () => {
  test('matches the schema the code builds', () => {
    const committed = readFileSync(join(packageRoot(), SCHEMA_PATH), 'utf8');
    const emitted = printGraphqlSchema();
    if (committed !== emitted) {
      expect.fail(`${SCHEMA_PATH} is out of date with src/graphql; regenerate it with \`${EMIT_COMMAND}\` and commit the result`);
    }
  });

  test('emitSchema writes exactly that text, and the SDL stands on its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gql-emit-'));
    try {
      const path = join(dir, 'schema.graphql');
      expect(emitSchema(path)).toEqual({ path, changed: true });
      expect(readFileSync(path, 'utf8')).toBe(printGraphqlSchema());
      expect(emitSchema(path).changed).toBe(false);
      const schema = buildSchema(readFileSync(path, 'utf8'));
      const query = schema.getQueryType()!.getFields();
      expect(Object.keys(query).sort()).toEqual(
        [
          'activities', 'activityCounts', 'activityTypes', 'adminActionsByRecentGroupMembers', 'group', 'groups', 'roles', 'syncStatus', 'user', 'users',
          'chats', 'project', 'projects', 'organizationSettings', 'organizationSettingsChanges', 'alerts', 'alert', 'rules', 'viewer',
          'activity', 'activityCountsByCategory', 'topActivityTypes', 'topActors',
        ].sort(),
      );
      for (const connection of ['ActivityConnection', 'UserConnection', 'GroupConnection', 'GroupMemberConnection', 'MembershipChangeConnection', 'RecentGroupMemberActionConnection', 'ChatConnection', 'ProjectConnection', 'OrganizationSettingConnection', 'AlertConnection', 'AlertEvidenceConnection']) {
        const fields = (schema.getType(connection) as { getFields(): Record<string, unknown> }).getFields();
        expect(Object.keys(fields), connection).toEqual(['edges', 'pageInfo', 'totalCount']);
      }
      expect(schema.getType('DateTime')).toBeDefined();
      // the only changes the API makes, both behind the write token
      expect(Object.keys(schema.getMutationType()!.getFields()).sort()).toEqual(['acknowledgeAlert', 'reopenAlert', 'resolveAlert']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
