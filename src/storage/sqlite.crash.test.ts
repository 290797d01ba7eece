// kill -9 of a process writing to a SqliteStore loses no acknowledged write and tears no value.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import { SqliteStore } from './sqlite.js';
import type { WatchEvent } from './types.js';

const ROUNDS = 6;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// Run the child the way this file runs: from TypeScript source through tsx, or compiled.
const fromSource = import.meta.url.endsWith('.ts');
const writer = fileURLToPath(new URL(`./crash-writer.${fromSource ? 'ts' : 'js'}`, import.meta.url));
const loader = fromSource ? ['--import', 'tsx'] : [];

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'knit-crash-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Ack {
  revision: number;
  key: string;
  hash: string;
}

/** Starts the writer, SIGKILLs it once it has acknowledged `killAfter` writes, returns what it acknowledged. */
async function writeUntilKilled(file: string, round: number, killAfter: number): Promise<Ack[]> {
  const child = spawn(process.execPath, [...loader, writer, file, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const acks: Ack[] = [];
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const [revision, key, hash] = line.split(' ');
      acks.push({ revision: Number(revision), key, hash });
      if (acks.length === killAfter) process.kill(child.pid as number, 'SIGKILL');
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, 'SIGKILL');
  }
  const status = await exited;
  assert.equal(status, 'SIGKILL', `writer ended by ${status}, not by kill -9: ${stderr}`);
  return acks;
}

/** Every event in the store, in revision order, by replaying a watch from revision 0. */
async function history(store: SqliteStore): Promise<WatchEvent[]> {
  const upTo = await store.currentRevision();
  const events: WatchEvent[] = [];
  if (upTo === 0) return events;
  await new Promise<void>((resolve, reject) => {
    const w = store.watch('/', {
      fromRevision: 0,
      onEvent: (e) => {
        events.push(e);
        if (e.kv.modRevision === upTo) {
          w.stop();
          resolve();
        }
      },
      onError: reject,
    });
  });
  return events;
}

it('kill -9 at random moments loses no acknowledged write and leaves no torn value', async () => {
  const file = join(dir, 'state.db');
  const acked: Ack[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const killAfter = 1 + Math.floor(Math.random() * 400);
    const acks = await writeUntilKilled(file, round, killAfter);
    assert.ok(acks.length >= killAfter);
    if (acked.length > 0) {
      assert.ok(acks[0].revision > acked[acked.length - 1].revision, 'a reopened store continues after the last acknowledged revision');
    }
    acked.push(...acks);

    const store = new SqliteStore(file);
    try {
      const events = await history(store);
      const byRevision = new Map(events.map((e) => [e.kv.modRevision, e]));
      for (const ack of acked) {
        const event = byRevision.get(ack.revision);
        assert.ok(event, `acknowledged revision ${ack.revision} (round ${round}) is missing`);
        assert.equal(event.kv.key, ack.key);
        assert.equal(sha256(event.kv.value), ack.hash, `revision ${ack.revision} holds another value`);
      }
      for (const e of events) {
        const value = JSON.parse(e.kv.value) as { payload: string; sha: string };
        assert.equal(sha256(value.payload), value.sha, `revision ${e.kv.modRevision} is torn`);
      }
    } finally {
      await store.close();
    }
  }
});
