import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientAcl } from './client-acl.js';

describe('ClientAcl', () => {
  const acl = new ClientAcl(['10.244.0.0/16', '192.168.1.0/24', 'fd00:10:244::/56']);

  it('allows the cluster ranges and loopback, in both address forms', () => {
    for (const ip of ['10.244.1.5', '192.168.1.10', '127.0.0.1', '127.5.5.5', '::1', '::ffff:10.244.2.3', 'fd00:10:244::9']) {
      assert.equal(acl.allows(ip), true, ip);
    }
  });

  it('refuses everyone else', () => {
    for (const ip of ['10.245.0.1', '192.168.2.1', '8.8.8.8', '::ffff:8.8.8.8', '2001:db8::1', '', 'garbage']) {
      assert.equal(acl.allows(ip), false, ip);
    }
  });

  it('rejects malformed ranges', () => {
    assert.throws(() => new ClientAcl(['10.244.0.0']), /invalid client range "10.244.0.0"/);
    assert.throws(() => new ClientAcl(['10.244.0.0/33']), /invalid client range/);
  });
});
