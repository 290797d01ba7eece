#!/usr/bin/env node
// Runs the benchmarks in bench/ (all, or those named: `npm run bench -- dns proxy`), one after
// another, from source with tsx. Each prints its figures beside a reference measured in the same run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const all = readdirSync(`${root}bench`).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, '')).sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; there are: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : all) {
  console.log(`\n== bench/${name}.bench.ts`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.bench.ts`], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
