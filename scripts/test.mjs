#!/usr/bin/env node
// The test command: lint, type-check and build, then unit tests, then whole-cluster tests.
// Prints one closing line "N passed, N failed" over every suite it ran.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, mkdtempSync, rmSync } from 'node:fs';
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
if (run('npx', ['tsc', '-p', 'tsconfig.json']) !== 0) { console.log('type-check failed'); process.exit(1); }

const tapDir = mkdtempSync(join(tmpdir(), 'knit-test-'));
let passed = 0, failed = 0, code = 0;

function suite(name, files, concurrency) {
  if (files.length === 0) return;
  step(`${name} (${files.length} files)`);
  const tap = join(tapDir, `${name}.tap`);
  const status = run(process.execPath, [
    '--test', `--test-concurrency=${concurrency}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const text = readFileSync(tap, 'utf8');
  const pass = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  const fail = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0);
  passed += pass; failed += fail;
  if (status !== 0) code = 1;
}

suite('unit', find(join(root, 'dist/src'), '.test.js'), 2);
if (!args.has('--unit')) suite('e2e', find(join(root, 'dist/test'), '.test.js'), 1);
rmSync(tapDir, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(code || (failed > 0 ? 1 : 0));
