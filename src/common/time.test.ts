import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metaMicroTime, metaTime } from './time.js';

test('API times: whole seconds for metav1.Time, microseconds for MicroTime, always UTC', () => {
  const at = Date.UTC(2024, 4, 1, 10, 0, 0, 987);
  assert.equal(metaTime(at), '2024-05-01T10:00:00Z');
  assert.equal(metaTime(new Date(at)), '2024-05-01T10:00:00Z');
  assert.equal(metaMicroTime(at), '2024-05-01T10:00:00.987000Z');
});
