import { describe, expect, it } from 'vitest';
import { ClientValidationError } from '../src/api/errors.js';
import { encodeQuery, encodeWireParams, toWireParams } from '../src/api/query.js';

describe('query encoding', () => {
  it('repeats bracketed keys for arrays and keeps dotted time keys', () => {
    expect(
      encodeQuery({
        activity_types: ['claude_chat_created', 'claude_file_uploaded'],
        'created_at.gte': '2026-03-01T00:00:00Z',
        limit: 1000,
        order: 'asc',
      }),
    ).toBe(
      'activity_types[]=claude_chat_created&activity_types[]=claude_file_uploaded&created_at.gte=2026-03-01T00:00:00Z&limit=1000&order=asc',
    );
  });

  it('omits undefined and null parameters', () => {
    expect(encodeQuery({ limit: undefined, after_id: null, order: 'desc' })).toBe('order=desc');
    expect(encodeQuery({})).toBe('');
  });

  it('does not double brackets that are already there', () => {
    expect(encodeQuery({ 'user_ids[]': ['user_1'] })).toBe('user_ids[]=user_1');
  });

  it('percent-encodes values (opaque cursors carry base64 padding and slashes)', () => {
    expect(encodeQuery({ after_id: 'eyJpZCI6ImEvYiJ9+==', name_prefix: 'Eng & Ops' })).toBe(
      'after_id=eyJpZCI6ImEvYiJ9%2B%3D%3D&name_prefix=Eng%20%26%20Ops',
    );
  });

  it('sends Date and offset timestamps as RFC 3339 UTC with Z', () => {
    const wire = toWireParams({
      'created_at.gte': new Date(Date.UTC(2026, 0, 1)),
      'created_at.lt': '2026-01-02T02:00:00+02:00',
      'updated_at.gt': '2026-01-02T00:00:00.123456',
    });
    expect(wire).toEqual({
      'created_at.gte': '2026-01-01T00:00:00.000Z',
      'created_at.lt': '2026-01-02T00:00:00Z',
      'updated_at.gt': '2026-01-02T00:00:00.123456Z',
    });
  });

  it('rejects a bad timestamp without echoing it', () => {
    try {
      toWireParams({ 'created_at.gte': 'secret-looking-value' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ClientValidationError);
      expect((err as ClientValidationError).param).toBe('created_at.gte');
      expect((err as Error).message).not.toContain('secret-looking-value');
    }
  });

  it('keeps wire params as provenance, in insertion order', () => {
    const wire = toWireParams({ organization_ids: ['org_a', 'org_b'], limit: 5 });
    expect(wire).toEqual({ 'organization_ids[]': ['org_a', 'org_b'], limit: '5' });
    expect(encodeWireParams(wire)).toBe('organization_ids[]=org_a&organization_ids[]=org_b&limit=5');
  });

  it('stringifies booleans and numbers', () => {
    expect(encodeQuery({ tool_use_input_max_chars: -1, flag: true })).toBe('tool_use_input_max_chars=-1&flag=true');
  });
});
