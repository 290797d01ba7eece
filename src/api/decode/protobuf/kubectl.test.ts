// The bodies the real kubectl sends: its typed `kubectl create` commands POST protobuf. A local
// HTTPS listener records them, and each must decode to exactly the object that
// `kubectl create ... --dry-run=client -o json` prints (the same Go object, printed by kubectl).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { decodeProtobufObject } from './decode.js';

const exec = promisify(execFile);

interface Recorded {
  path: string;
  contentType: string;
  body: Buffer;
}

describe('protobuf bodies of the real kubectl', () => {
  let dir = '';
  let server: Server | undefined;
  let env: NodeJS.ProcessEnv = {};
  const posts: Recorded[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 't9-pb-kubectl-'));
    const cert = (name: string, cn: string, san: string) => exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
      '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`), '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`]);
    await cert('server', '127.0.0.1', 'IP:127.0.0.1');
    await cert('tls', 'example.com', 'DNS:example.com');
    server = createServer({ key: await readFile(join(dir, 'server.key')), cert: await readFile(join(dir, 'server.crt')) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST') {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          res.end('{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}');
          return;
        }
        const body = Buffer.concat(chunks);
        const contentType = req.headers['content-type'] ?? '';
        posts.push({ path: (req.url ?? '').split('?')[0], contentType, body });
        // Echoing the object back is a valid answer to a create.
        res.writeHead(201, { 'Content-Type': contentType });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: t9',
      'clusters: [{name: t9, cluster: {server: "https://127.0.0.1:' + port + '", insecure-skip-tls-verify: true}}]',
      'users: [{name: t9, user: {token: t9-token}}]',
      'contexts: [{name: t9, context: {cluster: t9, user: t9, namespace: default}}]', '',
    ].join('\n'));
    env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache') };
  });

  after(async () => {
    if (server) await new Promise((resolve) => server!.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs `kubectl create <args>` and returns the body it posted. */
  async function posted(args: string[], path: string, mustSucceed = true): Promise<Buffer> {
    const before = posts.length;
    try {
      await exec('kubectl', ['create', ...args], { env, timeout: 60_000 });
    } catch (e) {
      if (mustSucceed) throw e;
    }
    assert.equal(posts.length, before + 1, `kubectl create ${args.join(' ')} posted no body`);
    const post = posts[posts.length - 1];
    assert.equal(post.path, path);
    assert.equal(post.contentType, 'application/vnd.kubernetes.protobuf');
    return post.body;
  }

  /** What kubectl prints for the object it would send (its flags go before a `--` command). */
  async function dryRun(args: string[]): Promise<unknown> {
    const dash = args.includes('--') ? args.indexOf('--') : args.length;
    const argv = ['create', ...args.slice(0, dash), '--dry-run=client', '-o', 'json', ...args.slice(dash)];
    return JSON.parse((await exec('kubectl', argv, { env, timeout: 60_000 })).stdout);
  }

  const cases: Array<{ args: (dir: string) => string[]; path: string; gvk: { group: string; version: string; kind: string } }> = [
    { args: () => ['deployment', 'web', '--image=nginx:1.25', '--replicas=3'], path: '/apis/apps/v1/namespaces/default/deployments', gvk: { group: 'apps', version: 'v1', kind: 'Deployment' } },
    { args: () => ['deployment', 'sleeper', '--image=busybox', '--port=8080', '--', 'sleep', '3600'], path: '/apis/apps/v1/namespaces/default/deployments', gvk: { group: 'apps', version: 'v1', kind: 'Deployment' } },
    { args: () => ['service', 'clusterip', 'backend', '--tcp=80:8080'], path: '/api/v1/namespaces/default/services', gvk: { group: '', version: 'v1', kind: 'Service' } },
    { args: () => ['service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080'], path: '/api/v1/namespaces/default/services', gvk: { group: '', version: 'v1', kind: 'Service' } },
    { args: (d) => ['secret', 'tls', 'web-tls', `--cert=${join(d, 'tls.crt')}`, `--key=${join(d, 'tls.key')}`], path: '/api/v1/namespaces/default/secrets', gvk: { group: '', version: 'v1', kind: 'Secret' } },
    { args: () => ['secret', 'generic', 'creds', '--from-literal=password=s3cr3t', '--from-literal=empty='], path: '/api/v1/namespaces/default/secrets', gvk: { group: '', version: 'v1', kind: 'Secret' } },
    { args: () => ['configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=two'], path: '/api/v1/namespaces/default/configmaps', gvk: { group: '', version: 'v1', kind: 'ConfigMap' } },
    { args: () => ['namespace', 'team-a'], path: '/api/v1/namespaces', gvk: { group: '', version: 'v1', kind: 'Namespace' } },
    { args: () => ['serviceaccount', 'robot'], path: '/api/v1/namespaces/default/serviceaccounts', gvk: { group: '', version: 'v1', kind: 'ServiceAccount' } },
    { args: () => ['ingress', 'web', '--class=nginx', '--rule=foo.com/bar*=svc1:8080,tls=my-cert'], path: '/apis/networking.k8s.io/v1/namespaces/default/ingresses', gvk: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' } },
    { args: () => ['job', 'pi', '--image=perl:5.34', '--', 'perl', '-e', 'print 1'], path: '/apis/batch/v1/namespaces/default/jobs', gvk: { group: 'batch', version: 'v1', kind: 'Job' } },
    { args: () => ['cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--restart=Never', '--', 'date'], path: '/apis/batch/v1/namespaces/default/cronjobs', gvk: { group: 'batch', version: 'v1', kind: 'CronJob' } },
  ];

  for (const c of cases) {
    it(`kubectl create ${c.args('DIR').join(' ')}`, async () => {
      const body = await posted(c.args(dir), c.path);
      const decoded = decodeProtobufObject(body, c.gvk);
      assert.deepEqual(decoded.object, await dryRun(c.args(dir)));
    });
  }

  it('kubectl create token robot --duration=10m --audience=api', async () => {
    // The echoed request carries no token, so kubectl fails afterwards; the body is what counts.
    const body = await posted(['token', 'robot', '--duration=10m', '--audience=api'], '/api/v1/namespaces/default/serviceaccounts/robot/token', false);
    assert.deepEqual(decodeProtobufObject(body, { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }).object, {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
      metadata: { creationTimestamp: null },
      spec: { audiences: ['api'], expirationSeconds: 600 },
      status: { token: '', expirationTimestamp: null },
    });
  });
});
