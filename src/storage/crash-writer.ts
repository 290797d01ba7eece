// Child process of sqlite.crash.test.ts: writes to a SqliteStore in a loop until killed, and
// prints one line per acknowledged write: "<revision> <key> <sha256 of the value>".
// Each value embeds the hash of its own payload, so a torn value is recognisable on its own.
import { createHash, randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { SqliteStore } from './sqlite.js';

const [path, round] = process.argv.slice(2);
if (!path || !round) {
  console.error('usage: crash-writer <db file> <round>');
  process.exit(2);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const store = new SqliteStore(path);
const mine: { key: string; revision: number }[] = [];
for (let seq = 0; ; seq++) {
  const payload = randomBytes(50 + Math.floor(Math.random() * 4000)).toString('hex');
  const value = JSON.stringify({ round, seq, payload, sha: sha256(payload) });
  const target = mine.length > 0 && Math.random() < 0.3 ? mine[Math.floor(Math.random() * mine.length)] : undefined;
  const kv = target
    ? await store.update(target.key, value, target.revision)
    : await store.create(`/crash/${round}/${seq}`, value);
  if (target) target.revision = kv.modRevision;
  else mine.push({ key: kv.key, revision: kv.modRevision });
  // Synchronous, so the line is in the pipe before the next write starts.
  writeSync(1, `${kv.modRevision} ${kv.key} ${sha256(value)}\n`);
}
