#!/usr/bin/env node
// The test command: lint, type-check and build, then unit tests, then whole-cluster tests.
// Prints one closing line "N passed, N failed, N skipped, N todo, N cancelled" over every suite
// it ran, and fails when any test failed, was skipped, todo or cancelled (a skipped test hides
// whatever it would have found; a cancelled one ran out of time).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const args = new Set(process.argv.slice(2));
const root = new URL('..', import.meta.url).pathname;

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, ...opts });
  return r.status ?? 1;
}

function find(dir, suffix) {
  const out = [];
  let entries = [];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p, suffix));
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

const step = (name) => process.stdout.write(`\n== ${name}\n`);

step('lint');
if (run('npx', ['eslint', '.']) !== 0) { console.log('lint failed'); process.exit(1); }
step('type-check and build');
// From an empty dist/: a test deleted from the sources must not keep running from an old build.
rmSync(join(root, 'dist'), { recursive: true, force: true });
if (run('npx', ['tsc', '-p', 'tsconfig.json']) !== 0) { console.log('type-check failed'); process.exit(1); }

const tapDir = mkdtempSync(join(tmpdir(), 'knit-test-'));
const counts = { passed: 0, failed: 0, skipped: 0, todo: 0, cancelled: 0 };
let code = 0;

// A test that hangs fails after this long instead of stalling the run. Node 20 applies the
// timeout to each test file as a whole too (before/after hooks included), so it covers the
// longest file: the whole-cluster files take up to about 2.5 minutes each.
const TEST_TIMEOUT_MS = 10 * 60_000;

const testArgs = (concurrency, tap, files) => [
  '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${TEST_TIMEOUT_MS}`,
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...files,
];

/** Adds a suite's TAP summary ("# pass N", "# skipped N", ...) to the counts. */
function count(tap, status) {
  const text = readFileSync(tap, 'utf8');
  // The summary lines node's TAP reporter closes with: "# pass N", "# skipped N", ...
  const total = (label) => Number(new RegExp(`^# ${label} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  counts.passed += total('pass');
  counts.failed += total('fail');
  counts.skipped += total('skipped');
  counts.todo += total('todo');
  counts.cancelled += total('cancelled');
  if (status !== 0) code = 1;
}

function suite(name, files, concurrency) {
  if (files.length === 0) return;
  step(`${name} (${files.length} files)`);
  const tap = join(tapDir, `${name}.tap`);
  count(tap, run(process.execPath, testArgs(concurrency, tap, files)));
}

// Whole-cluster files run in LANES lanes side by side, each lane one file at a time: every
// cluster has its own name, API port and namespaces. Files that bind the same port on the host
// (the seeds' localhost:30080 relay) share a lane. Each lane's lines are prefixed with its number.
const LANES = 2;
const SAME_LANE = ['services-seeds.test.js', 'api-rbac.test.js'];

async function lanes(files) {
  step(`e2e (${files.length} files, ${LANES} lanes)`);
  const groups = Array.from({ length: LANES }, () => ({ files: [], weight: 0 }));
  // Heaviest first onto the lightest lane; file size stands in for how long a file runs.
  const weight = (f) => statSync(f).size;
  const pinned = files.filter((f) => SAME_LANE.some((n) => f.endsWith(`/${n}`)));
  for (const f of pinned) {
    groups[0].files.push(f);
    groups[0].weight += weight(f);
  }
  for (const f of files.filter((x) => !pinned.includes(x)).sort((a, b) => weight(b) - weight(a))) {
    const g = groups.reduce((a, b) => (b.weight < a.weight ? b : a));
    g.files.push(f);
    g.weight += weight(f);
  }
  await Promise.all(groups.map((g, i) => new Promise((resolve) => {
    if (g.files.length === 0) return resolve();
    const tap = join(tapDir, `e2e-${i + 1}.tap`);
    const child = spawn(process.execPath, testArgs(1, tap, g.files.sort()), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${i + 1}] ${line}\n`));
    }
    child.on('exit', (status) => {
      count(tap, status ?? 1);
      resolve();
    });
  })));
}

suite('unit', find(join(root, 'dist/src'), '.test.js'), 2);
if (!args.has('--unit')) await lanes(find(join(root, 'dist/test'), '.test.js'));
rmSync(tapDir, { recursive: true, force: true });
console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped, ${counts.todo} todo, ${counts.cancelled} cancelled`);
const incomplete = counts.failed + counts.skipped + counts.todo + counts.cancelled;
process.exit(code || (incomplete > 0 ? 1 : 0));
