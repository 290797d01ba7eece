// Helpers for tests that send real traffic between network namespaces: unique names, tiny
// Node.js servers that answer "<name> <client address>", and one-shot clients. Test code only.

import { randomBytes } from 'node:crypto';
import { spawnInNetns, type OwnedProcess } from '../netns.js';
import { run } from '../run.js';

/** A short unique name with a test prefix, e.g. knt-3f9a1c. */
export function uniqueName(prefix = 'knt'): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

const SERVER = `
const [proto, host, port, name] = process.argv.slice(1);
const onReady = () => console.log('ready');
if (proto === 'udp') {
  const s = require('dgram').createSocket('udp4');
  s.on('message', (m, r) => s.send(name + ' ' + r.address + '\\n', r.port, r.address));
  s.bind(+port, host, onReady);
} else {
  const s = require('net').createServer((c) => c.end(name + ' ' + c.remoteAddress + '\\n'));
  s.listen(+port, host, onReady);
}
process.on('SIGTERM', () => process.exit(0));
`;

const CLIENT = `
const [proto, host, port] = process.argv.slice(1);
const fail = (why) => { process.stderr.write(String(why)); process.exit(2); };
setTimeout(() => fail('ETIMEDOUT'), 5000).unref();
if (proto === 'udp') {
  const s = require('dgram').createSocket('udp4');
  s.on('message', (m) => { process.stdout.write(m); s.close(); });
  s.on('error', (e) => fail(e.code));
  s.send('hello', +port, host);
  const t = setInterval(() => s.send('hello', +port, host), 500); t.unref();
} else {
  const c = require('net').connect(+port, host);
  let data = '';
  c.on('data', (d) => { data += d; });
  c.on('end', () => process.stdout.write(data));
  c.on('error', (e) => fail(e.code));
}
`;

export interface TestServer {
  proc: OwnedProcess;
  stop(): Promise<void>;
}

/** Starts a server in netns that answers every connection (or datagram) with "<name> <client IP>". */
export async function startAnswerServer(netns: string, host: string, port: number, name: string, proto: 'tcp' | 'udp' = 'tcp'): Promise<TestServer> {
  const proc = spawnInNetns(netns, process.execPath, ['-e', SERVER, proto, host, String(port), name], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    proc.child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    proc.child.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('ready')) resolve(); });
    void proc.exited.then((x) => reject(new Error(`test server in ${netns} exited (${x.code ?? x.signal}): ${err}`)));
  });
  return { proc, stop: async () => { await proc.stop(2000); } };
}

/** Connects from inside netns and returns the answer; rejects with the error code on failure. */
export async function askFrom(netns: string, host: string, port: number, proto: 'tcp' | 'udp' = 'tcp'): Promise<string> {
  try {
    const r = await run(process.execPath, ['-e', CLIENT, proto, host, String(port)], { netns, timeoutMs: 15_000 });
    return r.stdout.trim();
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr?.trim();
    throw new Error(stderr || (e as Error).message);
  }
}
