import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { ProxyHealthServer, ServiceHealthServer, goTime } from './healthcheck.js';

function get(port: number, path = '/'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject).end();
  });
}

describe('ServiceHealthServer', () => {
  let healthy = true;
  const server = new ServiceHealthServer({ bindAddress: '127.0.0.1', proxyHealthy: () => healthy, listenPort: () => 0 });
  after(() => server.close());

  it('answers 200 with upstream\'s JSON when this node has local endpoints, 503 when not', async () => {
    await server.syncServices(new Map([['ns/web', 32000]]));
    server.syncEndpoints(new Map([['ns/web', 2]]));
    const port = server.boundPort('ns/web')!;
    const ok = await get(port);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['content-type'], 'application/json');
    assert.equal(ok.headers['x-load-balancing-endpoint-weight'], '2');
    assert.equal(ok.body, '{\n\t"service": {\n\t\t"namespace": "ns",\n\t\t"name": "web"\n\t},\n\t"localEndpoints": 2,\n\t"serviceProxyHealthy": true\n}');
    server.syncEndpoints(new Map());
    const none = await get(port);
    assert.equal(none.status, 503);
    assert.equal(JSON.parse(none.body).localEndpoints, 0);
  });

  it('answers 503 while kube-proxy itself is unhealthy, and closes listeners of removed Services', async () => {
    await server.syncServices(new Map([['ns/web', 32000]]));
    server.syncEndpoints(new Map([['ns/web', 1]]));
    const port = server.boundPort('ns/web')!;
    healthy = false;
    assert.equal((await get(port)).status, 503);
    healthy = true;
    await server.syncServices(new Map());
    assert.equal(server.boundPort('ns/web'), undefined);
    await assert.rejects(get(port), /ECONNREFUSED/);
  });
});

describe('ProxyHealthServer', () => {
  let now = 1_000_000;
  let port = 0;
  const hs = new ProxyHealthServer(60_000, () => now);
  after(() => hs.close());

  it('is healthy until a queued change waits longer than the timeout', async () => {
    port = (await hs.start('127.0.0.1:0')).port;
    assert.equal((await get(port, '/healthz')).status, 200);
    hs.queuedUpdate();
    now += 59_999;
    assert.equal((await get(port, '/healthz')).status, 200);
    now += 1;
    const late = await get(port, '/healthz');
    assert.equal(late.status, 503);
    assert.match(late.body, /^\{"lastUpdated": "[^"]+","currentTime": "[^"]+", "nodeEligible": true\}$/);
    hs.updated();
    assert.equal((await get(port, '/livez')).status, 200);
  });

  it('fails /healthz (not /livez) for a node being deleted', async () => {
    hs.syncNode({ metadata: { name: 'n', deletionTimestamp: '2024-01-01T00:00:00Z' }, spec: {} });
    const healthz = await get(port, '/healthz');
    assert.equal(healthz.status, 503);
    assert.match(healthz.body, /"nodeEligible": false\}$/);
    assert.equal((await get(port, '/livez')).status, 200);
    hs.syncNode({ metadata: { name: 'n' }, spec: { taints: [{ key: 'ToBeDeletedByClusterAutoscaler', effect: 'NoSchedule' }] } });
    assert.equal((await get(port, '/healthz')).status, 503);
    hs.syncNode({ metadata: { name: 'n' }, spec: {} });
    assert.equal((await get(port, '/healthz')).status, 200);
  });

  it('prints times as Go prints a time.Time', () => {
    assert.match(goTime(Date.UTC(2024, 4, 10, 10, 13, 16, 390)), /^2024-05-10 10:13:16\.39 \+0000 UTC m=\+-?\d+\.\d{9}$/);
    assert.equal(goTime(null), '0001-01-01 00:00:00 +0000 UTC');
  });
});
