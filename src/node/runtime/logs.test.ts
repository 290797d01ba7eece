import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { CriLogWriter, formatTimestamp, parseLogLine, readContainerLog } from './logs.js';

const dir = mkdtempSync(join(tmpdir(), 'krt-logs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}

const FIXTURE = [
  '2024-05-01T10:00:00.000000001Z stdout F one',
  '2024-05-01T10:00:01.5Z stderr F two',
  '2024-05-01T10:00:02.25Z stdout P thr',
  '2024-05-01T10:00:02.25Z stdout F ee',
  '2024-05-01T10:00:03Z stdout F four',
].join('\n') + '\n';

test('the writer stamps each line and marks unterminated output partial', () => {
  const path = join(dir, 'w.log');
  const w = new CriLogWriter(path);
  w.write('stdout', 'hello\nwor');
  w.write('stderr', 'oops\n');
  w.write('stdout', 'ld\nprompt> ');
  w.close();
  const entries = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => parseLogLine(l)!);
  assert.deepEqual(entries.map((e) => [e.stream, e.partial, e.content]), [
    ['stdout', false, 'hello'], ['stderr', false, 'oops'], ['stdout', false, 'world'], ['stdout', true, 'prompt> '],
  ]);
  assert.match(entries[0].timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
});

test('reading: whole file, tailLines, since, timestamps, limitBytes', async () => {
  const path = join(dir, 'r.log');
  writeFileSync(path, FIXTURE);
  assert.equal(await collect(readContainerLog(path, {})), 'one\ntwo\nthree\nfour\n');
  assert.equal(await collect(readContainerLog(path, { tailLines: 2 })), 'ee\nfour\n');
  assert.equal(await collect(readContainerLog(path, { tailLines: 0 })), '');
  assert.equal(await collect(readContainerLog(path, { since: new Date('2024-05-01T10:00:01.000Z') })), 'two\nthree\nfour\n');
  assert.equal(await collect(readContainerLog(path, { timestamps: true, tailLines: 1 })), '2024-05-01T10:00:03.000000000Z four\n');
  assert.equal(await collect(readContainerLog(path, { limitBytes: 6 })), 'one\ntw');
  assert.equal(formatTimestamp('2024-05-01T10:00:01.5Z'), '2024-05-01T10:00:01.500000000Z');
});

test('follow returns new lines as they are written and ends when the container stops', async () => {
  const path = join(dir, 'f.log');
  writeFileSync(path, '2024-05-01T10:00:00Z stdout F first\n');
  let running = true;
  const stream = readContainerLog(path, { follow: true, pollMs: 20 }, () => running);
  const seen: string[] = [];
  const done = (async () => { for await (const chunk of stream) seen.push(chunk.toString()); })();
  while (seen.join('') !== 'first\n') await new Promise((r) => setTimeout(r, 10));
  appendFileSync(path, '2024-05-01T10:00:01Z stdout F second\n2024-05-01T10:00:02Z stdout P half');
  while (!seen.join('').includes('second')) await new Promise((r) => setTimeout(r, 10));
  appendFileSync(path, '\n2024-05-01T10:00:03Z stdout F last\n');
  running = false;
  await done;
  assert.equal(seen.join(''), 'first\nsecond\nhalflast\n');
});
