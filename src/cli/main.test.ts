// The knit command as a user runs it: bin/knit.js as a child process, with KNIT_HOME, KUBECONFIG
// and HOME in a temp dir. Nothing here needs root or starts a cluster: clusters that "run" are
// state files naming this test's own pid.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rememberCluster, writeState } from '../cluster/state.js';

/** bin/knit.js of this checkout, from src/cli or dist/src/cli. */
function knitBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bin', 'knit.js'))) {
    if (dirname(dir) === dir) throw new Error('cannot find bin/knit.js');
    dir = dirname(dir);
  }
  return join(dir, 'bin', 'knit.js');
}

let tmp: string;
let home: string;
const savedKnitHome = process.env.KNIT_HOME;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'knit-cli-test-'));
  home = join(tmp, 'knit-home');
  process.env.KNIT_HOME = home; // for rememberCluster and writeState below
});
after(() => {
  if (savedKnitHome === undefined) delete process.env.KNIT_HOME;
  else process.env.KNIT_HOME = savedKnitHome;
  rmSync(tmp, { recursive: true, force: true });
});

interface Result { code: number; stdout: string; stderr: string }

function knit(args: string[], kubeconfig = join(tmp, 'kubeconfig')): Promise<Result> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: join(tmp, 'home'), KNIT_HOME: home, KUBECONFIG: kubeconfig };
  return new Promise((resolve) => {
    execFile(process.execPath, [knitBin(), ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code) : 0, stdout, stderr });
    });
  });
}

function kubeconfigWithContext(file: string, current: string): string {
  const path = join(tmp, file);
  writeFileSync(path, `apiVersion: v1\nkind: Config\ncontexts:\n- context: {cluster: ${current}, user: ${current}}\n  name: ${current}\ncurrent-context: ${current}\n`);
  return path;
}

/** A cluster this KNIT_HOME knows; running: a state file with this test's pid, as `knit up` writes one. */
function cluster(name: string, running: boolean): string {
  const dataDir = join(home, name);
  rememberCluster(name, dataDir);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'kubeconfig'), `# the kubeconfig of ${name}\n`);
  if (running) {
    writeState({
      name, pid: process.pid, dataDir, apiServer: 'https://127.0.0.1:1', kubeconfig: join(tmp, 'kubeconfig'), context: name,
      nodes: [{ name: 'node-1', ip: '192.168.1.10', netns: `knit-${name}-node-1` }], startedAt: new Date(0).toISOString(), ready: true,
    });
  }
  return dataDir;
}

describe('bad command lines fail with exit code 2 and say why, before anything starts', () => {
  test('knit up --name --nodes 3', async () => {
    const r = await knit(['up', '--name', '--nodes', '3']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'knit: flag --name needs a value, but the next word "--nodes" is a flag (write --name=--nodes if it really is the value)\n'
      + 'Usage: knit up [flags] (`knit up --help` lists the flags)\n');
    assert.equal(existsSync(home), false, 'knit up created its home');
  });

  test('knit up with a stray word, an unknown flag, a bad number, an empty name', async () => {
    for (const [args, message] of [
      [['up', '--nodes', '0', 'now'], 'knit: unexpected argument "now": knit up takes only flags\n'],
      [['status', '--nodes', '3'], 'knit: unknown flag --nodes\n'],
      [['up', '--nodes', 'three'], 'knit: --nodes must be a whole number from 0 to 50, not "three"\n'],
      [['down', '--name='], 'knit: flag --name needs a value, not an empty one\n'],
    ] as const) {
      const r = await knit([...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.ok(r.stderr.startsWith(message), `${args.join(' ')}: ${r.stderr}`);
    }
    assert.equal(existsSync(home), false);
  });

  test('knit node exec without -- before the command', async () => {
    const r = await knit(['node', 'exec', 'node-1', 'ip', 'route']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^knit: unexpected argument "ip" \(the command to run goes after --\)\nUsage: knit node exec NODE \[flags\] -- COMMAND \[ARGS\.\.\.\]/);
  });
});

describe('without --name, the cluster of the current kubeconfig context, else the only one running', () => {
  // Runs in order: each test adds clusters to the one KNIT_HOME.
  test('no cluster known: "knit", as always, and nothing said about it', async () => {
    const r = await knit(['status']);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, `Cluster "knit" is not running (data dir ${join(home, 'knit')}, not created yet).\n`);
  });

  test('the current context is a knit cluster: that one, running or not', async () => {
    const dev = cluster('dev', false);
    cluster('prod', true);
    const kubeconfig = kubeconfigWithContext('kubeconfig-dev', 'dev');
    const status = await knit(['status'], kubeconfig);
    assert.equal(status.code, 3);
    assert.equal(status.stderr, 'knit: using cluster "dev" (the current kubeconfig context)\n');
    assert.equal(status.stdout, `Cluster "dev" is not running (data dir ${dev}).\n`);
    const kc = await knit(['kubeconfig'], kubeconfig);
    assert.equal(kc.code, 0, kc.stderr);
    assert.equal(kc.stdout, '# the kubeconfig of dev\n');
  });

  test('the current context is not a knit cluster: the only one running, saying so', async () => {
    const r = await knit(['status'], kubeconfigWithContext('kubeconfig-kind', 'kind-other'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'knit: using cluster "prod" (the only knit cluster running; the current kubeconfig context "kind-other" is not a knit cluster)\n');
    assert.match(r.stdout, new RegExp(`^Cluster "prod" is running \\(pid ${process.pid}, `));
  });

  test('several running and none current: exit 2, naming them; --name or --data-dir choose without a word', async () => {
    cluster('stage', true);
    const r = await knit(['node', 'exec', 'node-1', '--', 'true']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'knit: 2 knit clusters are running (prod, stage) and no kubeconfig context is current: say which with --name\n');
    const named = await knit(['status', '--name', 'stage']);
    assert.equal(named.code, 0);
    assert.equal(named.stderr, '');
    const byDir = await knit(['status', '--data-dir', join(home, 'prod')]);
    assert.equal(byDir.code, 0);
    assert.equal(byDir.stderr, '');
    assert.match(byDir.stdout, /^Cluster "knit" is running/, '--data-dir alone keeps the default name');
    assert.deepEqual(readdirSync(home).sort(), ['clusters.json', 'dev', 'prod', 'stage']);
  });
});
