import { describe, expect, it } from 'vitest';
import { ComplianceClient } from '../src/api/client.js';
import { ClientValidationError } from '../src/api/errors.js';
import {
  validateActivityQuery,
  validateChatQuery,
  validateMessageQuery,
  validatePageQuery,
  validateProjectQuery,
} from '../src/api/validate.js';
import { fakeFetch, json } from './support/api-fake-fetch.js';

function rejects(fn: () => unknown, param?: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ClientValidationError);
    if (param !== undefined) expect((err as ClientValidationError).param).toBe(param);
    expect((err as ClientValidationError).status).toBeNull();
    return;
  }
  throw new Error('expected a ClientValidationError');
}

describe('limit bounds per endpoint', () => {
  it.each([
    ['activities', validateActivityQuery, 5000],
    ['chats', validateChatQuery, 1000],
    ['messages', validateMessageQuery, 1000],
    ['projects', validateProjectQuery, 100],
    ['organizations', (p: Record<string, unknown>) => validatePageQuery(p, 1000), 1000],
    ['directory', (p: Record<string, unknown>) => validatePageQuery(p, 1000), 1000],
    ['attachments', (p: Record<string, unknown>) => validatePageQuery(p, 100), 100],
  ] as const)('%s: 1..%s', (_name, validate, max) => {
    expect(() => validate({ limit: 1 })).not.toThrow();
    expect(() => validate({ limit: max })).not.toThrow();
    expect(() => validate({})).not.toThrow();
    rejects(() => validate({ limit: 0 }), 'limit');
    rejects(() => validate({ limit: max + 1 }), 'limit');
    rejects(() => validate({ limit: 1.5 }), 'limit');
    rejects(() => validate({ limit: '10' }), 'limit');
    rejects(() => validate({ limit: Number.NaN }), 'limit');
  });
});

describe('activities', () => {
  it('rejects both cursors', () => {
    rejects(() => validateActivityQuery({ after_id: 'a', before_id: 'b' }), 'after_id');
  });
  it('rejects include and exclude type filters together', () => {
    rejects(
      () => validateActivityQuery({ activity_types: ['claude_chat_created'], exclude_activity_types: ['compliance_api_accessed'] }),
      'exclude_activity_types[]',
    );
    expect(() => validateActivityQuery({ exclude_activity_types: ['compliance_api_accessed'] })).not.toThrow();
  });
  it('rejects unknown order values', () => {
    rejects(() => validateActivityQuery({ order: 'newest' }), 'order');
    expect(() => validateActivityQuery({ order: 'asc' })).not.toThrow();
    expect(() => validateActivityQuery({ order: 'desc' })).not.toThrow();
  });
  it('rejects explicitly empty array filters and empty cursors', () => {
    rejects(() => validateActivityQuery({ activity_types: [] }), 'activity_types[]');
    rejects(() => validateActivityQuery({ actor_ids: [''] }), 'actor_ids[]');
    rejects(() => validateActivityQuery({ after_id: '' }), 'after_id');
  });
});

describe('chats', () => {
  const users = (n: number) => Array.from({ length: n }, (_, i) => `user_${i}`);
  it('takes 1 to 10 user_ids', () => {
    expect(() => validateChatQuery({ user_ids: users(1) })).not.toThrow();
    expect(() => validateChatQuery({ user_ids: users(10) })).not.toThrow();
    rejects(() => validateChatQuery({ user_ids: users(11) }), 'user_ids[]');
    rejects(() => validateChatQuery({ user_ids: [] }), 'user_ids[]');
  });
  it('allows project_ids only with user_ids', () => {
    rejects(() => validateChatQuery({ project_ids: ['claude_proj_1'] }), 'project_ids[]');
    expect(() => validateChatQuery({ user_ids: ['user_1'], project_ids: ['claude_proj_1'] })).not.toThrow();
  });
  it('allows order_by=updated_at only org-wide', () => {
    rejects(() => validateChatQuery({ user_ids: ['user_1'], order_by: 'updated_at' }), 'order_by');
    expect(() => validateChatQuery({ order_by: 'updated_at', 'updated_at.gte': '2026-01-01T00:00:00Z' })).not.toThrow();
    rejects(() => validateChatQuery({ order_by: 'name' }), 'order_by');
  });
  it('rejects user_ids with updated_at filters', () => {
    rejects(() => validateChatQuery({ user_ids: ['user_1'], 'updated_at.gte': '2026-01-01T00:00:00Z' }), 'user_ids[]');
  });
  it('org-wide: before_id and time filters that do not match the sort key are rejected', () => {
    rejects(() => validateChatQuery({ before_id: 'x' }), 'before_id');
    expect(() => validateChatQuery({ user_ids: ['user_1'], before_id: 'x' })).not.toThrow();
    rejects(() => validateChatQuery({ 'updated_at.gte': '2026-01-01T00:00:00Z' }), 'updated_at.*');
    rejects(() => validateChatQuery({ order_by: 'updated_at', 'created_at.gte': '2026-01-01T00:00:00Z' }), 'created_at.*');
    expect(() => validateChatQuery({ 'created_at.gte': '2026-01-01T00:00:00Z' })).not.toThrow();
  });
  it('rejects both cursors', () => {
    rejects(() => validateChatQuery({ user_ids: ['u'], after_id: 'a', before_id: 'b' }), 'after_id');
  });
});

describe('messages', () => {
  it('checks order and truncation caps', () => {
    rejects(() => validateMessageQuery({ order: 'up' }), 'order');
    rejects(() => validateMessageQuery({ tool_result_max_chars: -2 }), 'tool_result_max_chars');
    expect(() => validateMessageQuery({ tool_use_input_max_chars: -1, tool_result_max_chars: 500 })).not.toThrow();
  });
});

describe('the client validates before any request', () => {
  const fake = fakeFetch(() => json({ data: [], has_more: false, first_id: null, last_id: null }));
  const client = new ComplianceClient({ apiKey: 'sk-ant-api01-validation-test-key', fetch: fake.fetch, requestsPerMinute: 0 });

  it.each([
    ['activities limit', () => client.activities.list({ limit: 5001 })],
    ['activities cursors', () => client.activities.list({ after_id: 'a', before_id: 'b' })],
    ['activities filters', () => client.activities.list({ activity_types: ['a'], exclude_activity_types: ['b'] })],
    ['activities bad timestamp', () => client.activities.list({ 'created_at.gte': 'last tuesday' })],
    ['chats user_ids', () => client.chats.list({ user_ids: Array.from({ length: 11 }, (_, i) => `user_${i}`) })],
    ['chats project_ids', () => client.chats.list({ project_ids: ['claude_proj_1'] })],
    ['chats order_by', () => client.chats.list({ user_ids: ['user_1'], order_by: 'updated_at' })],
    ['messages limit', () => client.chatMessages.list('claude_chat_1', { limit: 1001 })],
    ['projects limit', () => client.projects.list({ limit: 101 })],
    ['attachments limit', () => client.projectAttachments.list('claude_proj_1', { limit: 101 })],
    ['organizations limit', () => client.organizations.list({ limit: 1001 })],
    ['users limit', () => client.users.list('org-uuid', { limit: 0 })],
    ['empty path id', () => client.groups.get('')],
  ])('%s', async (_name, call) => {
    await expect(call()).rejects.toBeInstanceOf(ClientValidationError);
  });

  it('page walks fail at the call site', () => {
    expect(() => client.activities.pages({ limit: 0 })).toThrow(ClientValidationError);
    expect(() => client.activities.pages({ before_id: 'x' }, { direction: 'after' })).toThrow(ClientValidationError);
    expect(() => client.users.pages('')).toThrow(ClientValidationError);
  });

  it('made no request', () => {
    expect(fake.calls).toHaveLength(0);
  });

  it('rejects bad constructor options', () => {
    expect(() => new ComplianceClient({ apiKey: '' })).toThrow(ClientValidationError);
    expect(() => new ComplianceClient({ apiKey: 'k'.repeat(20), baseUrl: 'not a url' })).toThrow(ClientValidationError);
    expect(() => new ComplianceClient({ apiKey: 'k'.repeat(20), baseUrl: 'ftp://example.com' })).toThrow(ClientValidationError);
    expect(() => new ComplianceClient({ apiKey: 'k'.repeat(20), maxRetries: -1 })).toThrow(ClientValidationError);
  });
});
