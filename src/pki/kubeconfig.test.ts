// kubeconfig rendering and merging, checked with the real kubectl (KUBECONFIG at temp files).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCA, issueCert } from './certs.js';
import { currentContext, kubeconfigPathForMerge, mergeKubeconfig, removeFromKubeconfig, renderKubeconfig, type KubeconfigEntry } from './kubeconfig.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'knit-kubeconfig-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs kubectl with KUBECONFIG set; resolves with stdout, or with the failure's stderr. */
function kubectl(kubeconfig: string, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ ok: !err, out: err ? stderr : stdout });
    });
  });
}

async function view(kubeconfig: string): Promise<{ clusters: { name: string; cluster: Record<string, string> }[]; users: { name: string; user: Record<string, string> }[]; contexts: { name: string; context: Record<string, string> }[]; 'current-context': string }> {
  const r = await kubectl(kubeconfig, 'config', 'view', '--raw', '-o', 'json');
  assert.ok(r.ok, r.out);
  return JSON.parse(r.out);
}

const ca = createCA('knit-kubeconfig-test-ca');
const admin = issueCert(ca, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' });
const entry = (overrides: Partial<KubeconfigEntry> = {}): KubeconfigEntry => ({
  clusterName: 'knit-dev', server: 'https://127.0.0.1:6443', caPem: ca.certPem, userName: 'knit-dev',
  certPem: admin.certPem, keyPem: admin.keyPem, contextName: 'knit-dev', ...overrides,
});
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig someone already has, written by kubectl itself. */
async function existingKubeconfig(path: string): Promise<void> {
  for (const args of [
    ['config', 'set-cluster', 'work', '--server=https://10.0.0.1:6443'],
    ['config', 'set-credentials', 'work-user', '--token=secret-token'],
    ['config', 'set-context', 'work', '--cluster=work', '--user=work-user', '--namespace=team'],
    ['config', 'use-context', 'work'],
  ]) {
    const r = await kubectl(path, ...args);
    assert.ok(r.ok, r.out);
  }
}

describe('renderKubeconfig', () => {
  it('writes a kubeconfig kubectl reads: embedded data, current context, namespace', async () => {
    const path = join(dir, 'rendered');
    await writeFile(path, renderKubeconfig(entry({ namespace: 'kube-system' })), { mode: 0o600 });
    const config = await view(path);
    assert.equal(config['current-context'], 'knit-dev');
    assert.deepEqual(config.clusters, [{ name: 'knit-dev', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64(ca.certPem) } }]);
    assert.deepEqual(config.users, [{ name: 'knit-dev', user: { 'client-certificate-data': b64(admin.certPem), 'client-key-data': b64(admin.keyPem) } }]);
    assert.deepEqual(config.contexts, [{ name: 'knit-dev', context: { cluster: 'knit-dev', user: 'knit-dev', namespace: 'kube-system' } }]);
    const ns = await kubectl(path, 'config', 'view', '--minify', '-o', 'jsonpath={..namespace}');
    assert.equal(ns.out, 'kube-system');
  });

  it('refuses an incomplete entry', () => {
    assert.throws(() => renderKubeconfig(entry({ server: '' })), /server is required/);
    assert.throws(() => renderKubeconfig(entry({ server: '127.0.0.1:6443' })), /not (a URL|http)/);
  });
});

describe('mergeKubeconfig and removeFromKubeconfig', () => {
  it('add knit\'s entry beside the existing ones, replace it on a second merge, and remove only it', async () => {
    const path = join(dir, 'merge', 'config');
    await existingKubeconfig(path);
    const before = await view(path);

    await mergeKubeconfig(path, entry());
    assert.equal((await kubectl(path, 'config', 'current-context')).out.trim(), 'knit-dev');
    // kubectl prints entries sorted by name.
    let config = await view(path);
    assert.deepEqual(config.clusters.map((c) => c.name), ['knit-dev', 'work']);
    assert.deepEqual(config.users.map((u) => u.name), ['knit-dev', 'work-user']);
    assert.deepEqual(config.contexts.map((c) => c.name), ['knit-dev', 'work']);
    assert.deepEqual(config.clusters[1], before.clusters[0], 'the other cluster is untouched');
    assert.deepEqual(config.users[1], before.users[0]);
    assert.deepEqual(config.contexts[1], before.contexts[0]);

    await mergeKubeconfig(path, entry({ server: 'https://127.0.0.1:7443' }), { setCurrent: false });
    config = await view(path);
    assert.deepEqual(config.clusters.map((c) => c.name), ['knit-dev', 'work'], 'replaced, not added twice');
    assert.equal(config.clusters[0].cluster.server, 'https://127.0.0.1:7443');
    assert.equal(config['current-context'], 'knit-dev');

    await kubectl(path, 'config', 'use-context', 'work');
    await mergeKubeconfig(path, entry(), { setCurrent: false });
    assert.equal((await view(path))['current-context'], 'work', 'setCurrent: false leaves the current context alone');

    await kubectl(path, 'config', 'use-context', 'knit-dev');
    assert.equal(await removeFromKubeconfig(path, 'knit-dev'), true);
    config = await view(path);
    assert.deepEqual(config.clusters, before.clusters);
    assert.deepEqual(config.users, before.users);
    assert.deepEqual(config.contexts, before.contexts);
    const current = await kubectl(path, 'config', 'current-context');
    assert.equal(current.ok, false);
    assert.match(current.out, /current-context is not set/);
    assert.equal(await removeFromKubeconfig(path, 'knit-dev'), false, 'nothing left to remove');
  });

  it('create a missing file 0600 in a missing directory 0700, and leave no lock or temp file', async () => {
    const home = join(dir, 'fresh-home');
    const path = join(home, '.kube', 'config');
    await mergeKubeconfig(path, entry());
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(home, '.kube'))).mode & 0o777, 0o700);
    assert.equal((await kubectl(path, 'config', 'current-context')).out.trim(), 'knit-dev');
    assert.deepEqual(await readdir(join(home, '.kube')), ['config']);
  });

  it('keep comments and unknown fields of the existing file, and a symlinked kubeconfig stays a link', async () => {
    const real = join(dir, 'real-config');
    await writeFile(real, '# my clusters\napiVersion: v1\nkind: Config\nclusters: null\nextensions:\n- name: mine\n  extension: {a: 1}\n', { mode: 0o640 });
    const link = join(dir, 'linked-config');
    await symlink(real, link);
    await mergeKubeconfig(link, entry());
    assert.ok((await lstat(link)).isSymbolicLink());
    assert.equal((await stat(real)).mode & 0o777, 0o640, 'the file keeps its mode');
    const text = await readFile(real, 'utf8');
    assert.match(text, /^# my clusters\n/);
    assert.match(text, /extension: \{ a: 1 \}|extension:\s*\n\s+a: 1/);
    assert.deepEqual((await view(link)).clusters.map((c) => c.name), ['knit-dev']);
  });

  it('refuse a file that is not a kubeconfig, and a held lock, without changing the file', async () => {
    const path = join(dir, 'not-a-config');
    await writeFile(path, '- just\n- a list\n');
    await assert.rejects(mergeKubeconfig(path, entry()), /not a kubeconfig/);
    assert.equal(await readFile(path, 'utf8'), '- just\n- a list\n');

    const locked = join(dir, 'locked-config');
    await writeFile(`${locked}.lock`, '');
    await assert.rejects(mergeKubeconfig(locked, entry()), /failed to lock config file/);
    await rm(`${locked}.lock`);
  });

  it('pick the file kubectl would merge into', () => {
    const existing = join(dir, 'rendered'); // written by an earlier test
    assert.equal(kubeconfigPathForMerge('/explicit', { KUBECONFIG: existing }), '/explicit');
    assert.equal(kubeconfigPathForMerge(undefined, { HOME: '/home/u' }), '/home/u/.kube/config');
    assert.equal(kubeconfigPathForMerge(undefined, { KUBECONFIG: `/nope/a:${existing}:/nope/b` }), existing);
    assert.equal(kubeconfigPathForMerge(undefined, { KUBECONFIG: '/nope/a:/nope/b' }), '/nope/b');
  });
});

describe('currentContext', () => {
  it('is the context kubectl uses: the first file in $KUBECONFIG that sets one, else ~/.kube/config', async () => {
    const unset = join(dir, 'current-unset');
    await writeFile(unset, 'apiVersion: v1\nkind: Config\ncurrent-context: ""\n');
    const first = join(dir, 'current-first');
    const second = join(dir, 'current-second');
    await existingKubeconfig(first);
    await mergeKubeconfig(second, entry());
    const both = [join(dir, 'current-missing'), unset, second, first].join(':');
    assert.equal(await currentContext({ KUBECONFIG: both }), 'knit-dev');
    assert.equal((await kubectl(both, 'config', 'current-context')).out.trim(), 'knit-dev');
    assert.equal(await currentContext({ KUBECONFIG: `${first}:${second}` }), 'work');
    assert.equal(await currentContext({ KUBECONFIG: unset }), undefined);
    const home = join(dir, 'current-home');
    await mergeKubeconfig(join(home, '.kube', 'config'), entry({ contextName: 'home-context' }));
    assert.equal(await currentContext({ HOME: home }), 'home-context');
    assert.equal(await currentContext({ HOME: home, KUBECONFIG: unset }), undefined, '$KUBECONFIG replaces ~/.kube/config');
  });
});

describe('kubectl through a merged kubeconfig', () => {
  it('reaches a TLS server with knit\'s certificates, authenticated as the certificate\'s user', async () => {
    const serving = issueCert(ca, { commonName: 'kube-apiserver', usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const server = https.createServer({ key: serving.keyPem, cert: serving.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, user: peer.subject.CN, groups: [peer.subject.O].flat() }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const path = join(dir, 'kubectl-tls', 'config');
      await existingKubeconfig(path);
      await mergeKubeconfig(path, entry({ server: `https://127.0.0.1:${port}` }));
      const r = await kubectl(path, 'get', '--raw', '/version');
      assert.ok(r.ok, r.out);
      assert.deepEqual(JSON.parse(r.out), { path: '/version', user: 'kubernetes-admin', groups: ['system:masters'] });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
