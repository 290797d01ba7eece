// Test support: a tiny HTTPS API server that answers exactly what kubectl asks before exec,
// attach and port-forward (version, discovery, the pod), hands the pod's streaming upgrades to the
// test, and a kubeconfig for it; plus a way to run the real kubectl against it.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TEST_PREFIX = 'knit-t4-streaming-';
export const POD = 'web';
export const POD_UID = '6a3e1c52-0000-4000-8000-000000000001';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: POD, namespace: 'default', uid: POD_UID, resourceVersion: '1', creationTimestamp: '2025-01-01T00:00:00Z' },
  spec: { containers: [{ name: 'app', image: 'busybox' }], nodeName: 'knit-worker' },
  status: { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], conditions: [{ type: 'Ready', status: 'True' }] },
};

const discovery: Record<string, object> = {
  '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
      { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    ],
  },
  [`/api/v1/namespaces/default/pods/${POD}`]: pod,
};

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export class FakeApiServer {
  /** Every request kubectl made, as "METHOD path". */
  readonly requests: string[] = [];

  private constructor(private readonly server: https.Server, private readonly dir: string, readonly kubeconfig: string) {}

  /** Starts the server on 127.0.0.1 (port 0) with a fresh self-signed certificate. */
  static async start(onUpgrade: UpgradeHandler): Promise<FakeApiServer> {
    const dir = await mkdtemp(join(tmpdir(), TEST_PREFIX));
    try {
      await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=knit-test-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
      const cert = await readFile(join(dir, 'cert.pem'));
      const key = await readFile(join(dir, 'key.pem'));
      const server = https.createServer({ cert, key });
      const kubeconfig = join(dir, 'kubeconfig');
      const self = new FakeApiServer(server, dir, kubeconfig);
      server.on('request', (req, res) => self.answer(req, res));
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        self.requests.push(`${req.method} ${req.url} (upgrade: ${req.headers.upgrade})`);
        onUpgrade(req, socket, head);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await writeFile(kubeconfig, [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: knit-test',
        '  cluster:',
        `    server: https://127.0.0.1:${port}`,
        `    certificate-authority-data: ${cert.toString('base64')}`,
        'users:',
        '- name: knit-test',
        '  user:',
        '    token: knit-test-token',
        'contexts:',
        '- name: knit-test',
        '  context: {cluster: knit-test, user: knit-test, namespace: default}',
        'current-context: knit-test',
        '',
      ].join('\n'));
      return self;
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    this.requests.push(`${req.method} ${path}`);
    const body = req.method === 'GET' ? discovery[path] : undefined;
    if (!body) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `the server could not find the requested resource`, reason: 'NotFound', code: 404 }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Starts kubectl with this server's kubeconfig; the caller ends it (by pid, through the handle). */
  kubectl(args: string[], env: Record<string, string> = {}): ChildProcess {
    return spawn('kubectl', ['--kubeconfig', this.kubeconfig, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** Runs kubectl to completion with `input` on its stdin. */
  async kubectlRun(args: string[], input = '', env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = this.kubectl(args, env);
    return collect(child, input);
  }
}

export function collect(child: ChildProcess, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
