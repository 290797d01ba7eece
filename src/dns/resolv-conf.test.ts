import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseResolvConf, resolveUpstreams, SYSTEMD_RESOLVED_UPSTREAMS } from './resolv-conf.js';

const files = (map: Record<string, string>) => async (path: string): Promise<string> => {
  if (path in map) return map[path];
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
};

describe('resolv.conf upstreams', () => {
  it('takes nameserver lines, skipping loopback stubs, comments and options', () => {
    const r = parseResolvConf('# generated\nsearch example.com\nnameserver 127.0.0.53\nnameserver 192.0.2.1 # office\nnameserver fe80::1%eth0\nnameserver ::1\noptions edns0 trust-ad\n');
    assert.deepEqual(r.upstreams, [{ host: '192.0.2.1', port: 53 }, { host: 'fe80::1', port: 53 }]);
    assert.deepEqual(r.loopback, ['127.0.0.53', '::1']);
  });

  it("uses systemd-resolved's upstream list when resolv.conf names only its stub", async () => {
    const read = files({ '/etc/resolv.conf': 'nameserver 127.0.0.53\n', [SYSTEMD_RESOLVED_UPSTREAMS]: 'nameserver 198.51.100.7\n' });
    assert.deepEqual(await resolveUpstreams(['/etc/resolv.conf'], read), [{ host: '198.51.100.7', port: 53 }]);
  });

  it('refuses a resolv.conf with only loopback nameservers, saying why', async () => {
    const read = files({ '/etc/resolv.conf': 'nameserver 127.0.0.53\n' });
    await assert.rejects(resolveUpstreams(['/etc/resolv.conf'], read), /no usable nameserver in \/etc\/resolv.conf \(only loopback nameservers 127.0.0.53, which would loop\)/);
  });

  it('keeps explicit addresses, loopback included, with ports', async () => {
    assert.deepEqual(await resolveUpstreams(['127.0.0.1:5300', 'dns://[fd00::53]:5353', '192.0.2.1'], files({})), [
      { host: '127.0.0.1', port: 5300 }, { host: 'fd00::53', port: 5353 }, { host: '192.0.2.1', port: 53 },
    ]);
  });
});
