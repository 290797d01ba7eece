// The exec/attach WebSocket protocol at the byte level, with the ws client standing in for kubectl
// (the real kubectl runs in kubectl.test.ts): channel framing, v5's close signal, the exit Status
// on channel 3 in upstream's shape, and the refusals.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { errors } from '../../kube/errors.js';
import type { ExecHandler, ExecSession, TerminalSize } from './exec.js';
import { serveExecWebSocket } from './exec-websocket.js';
import type { StreamingConnection } from './upgrade.js';

let server: http.Server;
let handler: ExecHandler = async () => 0;
const connections: StreamingConnection[] = [];
let base = '';

before(async () => {
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    const c = serveExecWebSocket(req, socket, head, (s) => handler(s));
    if (c) connections.push(c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/exec`;
});

after(async () => {
  for (const c of connections) c.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Received {
  channels: Map<number, Buffer>;
  first?: Buffer;
  closeCode?: number;
}

/** Opens an exec WebSocket, sends `frames` once open, and collects every channel until close. */
function exec(query: string, protocols: string[], frames: Buffer[] = []): Promise<Received> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base}?${query}`, protocols);
    const got: Received = { channels: new Map() };
    ws.on('open', () => frames.forEach((f) => ws.send(f)));
    ws.on('message', (data: Buffer) => {
      got.first ??= data;
      const ch = data[0];
      got.channels.set(ch, Buffer.concat([got.channels.get(ch) ?? Buffer.alloc(0), data.subarray(1)]));
    });
    ws.on('close', (code) => resolve({ ...got, closeCode: code }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => reject(Object.assign(new Error(body), { statusCode: res.statusCode })));
    });
    ws.on('error', reject);
  });
}

const status = (r: Received) => JSON.parse(r.channels.get(3)!.toString());
const frame = (channel: number, data: string | Buffer) => Buffer.concat([Buffer.from([channel]), Buffer.from(data)]);

describe('exec over WebSocket', () => {
  it('runs the command with the streams the query asks for and reports Success', async () => {
    let seen: Omit<ExecSession, 'resize' | 'signal'> | undefined;
    handler = async (s) => {
      seen = s;
      s.stdout!.write('hi\n');
      s.stderr!.write('warn\n');
      return 0;
    };
    const r = await exec('command=echo&command=hi&container=app&stdout=true&stderr=true', ['v5.channel.k8s.io']);
    assert.deepEqual(seen!.command, ['echo', 'hi']);
    assert.equal(seen!.container, 'app');
    assert.equal(seen!.stdin, null);
    assert.equal(seen!.tty, false);
    assert.deepEqual(r.first, Buffer.from([1]), 'an empty stdout frame announces the streams');
    assert.equal(r.channels.get(1)!.toString(), 'hi\n');
    assert.equal(r.channels.get(2)!.toString(), 'warn\n');
    assert.deepEqual(status(r), { metadata: {}, status: 'Success' });
    assert.equal(r.closeCode, 1000);
  });

  it('reports a non-zero exit as upstream\'s NonZeroExitCode Status (v4 too)', async () => {
    handler = async () => 3;
    for (const protocol of ['v5.channel.k8s.io', 'v4.channel.k8s.io']) {
      const r = await exec('command=sh&command=-c&command=exit+3&stdout=true', [protocol]);
      assert.deepEqual(status(r), {
        metadata: {},
        status: 'Failure',
        message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
      });
    }
  });

  it('ends stdin on v5\'s close signal [255, 0]', async () => {
    handler = async (s) => {
      let input = '';
      for await (const chunk of s.stdin!) input += chunk;
      s.stdout!.write(input.toUpperCase());
      return 0;
    };
    const r = await exec('command=cat&stdin=true&stdout=true', ['v5.channel.k8s.io'], [frame(0, 'hello '), frame(0, 'world'), Buffer.from([255, 0])]);
    assert.equal(r.channels.get(1)!.toString(), 'HELLO WORLD');
  });

  it('delivers terminal sizes from channel 4 and gives a tty no stderr', async () => {
    const sizes: TerminalSize[] = [];
    handler = async (s) => {
      assert.equal(s.tty, true);
      assert.equal(s.stderr, null);
      await new Promise<void>((resolve) => s.resize.on('resize', (size: TerminalSize) => {
        sizes.push(size);
        if (sizes.length === 2) resolve();
      }));
      return 0;
    };
    const frames = [frame(4, '{"Width":80,"Height":24}'), frame(4, 'not json'), frame(4, '{"Width":120,"Height":50}')];
    await exec('command=sh&stdin=true&stdout=true&stderr=true&tty=true', ['v5.channel.k8s.io'], frames);
    assert.deepEqual(sizes, [{ width: 80, height: 24 }, { width: 120, height: 50 }]);
  });

  it('reports a failing handler as a Status: an ApiError as is, anything else as InternalError', async () => {
    handler = async () => {
      throw errors.badRequest('container "nope" not found in pod "web"');
    };
    const bad = status(await exec('command=ls&container=nope&stdout=true', ['v5.channel.k8s.io']));
    assert.equal(bad.reason, 'BadRequest');
    assert.equal(bad.message, 'container "nope" not found in pod "web"');
    handler = async () => {
      throw new Error('boom');
    };
    const internal = status(await exec('command=ls&stdout=true', ['v5.channel.k8s.io']));
    assert.equal(internal.reason, 'InternalError');
    assert.equal(internal.code, 500);
    assert.equal(internal.message, 'Internal error occurred: error executing command in container: boom');
  });

  it('aborts the handler\'s signal when the connection is closed', async () => {
    let aborted!: Promise<void>;
    const started = new Promise<void>((resolve) => {
      handler = (s) => {
        aborted = new Promise((done) => s.signal.addEventListener('abort', () => done()));
        resolve();
        return aborted.then(() => 0);
      };
    });
    const r = exec('command=sleep&stdout=true', ['v5.channel.k8s.io']);
    await started;
    connections.at(-1)!.close();
    await aborted;
    await r;
    await connections.at(-1)!.closed;
  });

  it('refuses requests without streams or with unknown protocols, in upstream\'s words', async () => {
    await assert.rejects(exec('command=ls', ['v5.channel.k8s.io']), (err: Error & { statusCode: number }) =>
      err.statusCode === 400 && JSON.parse(err.message).message === 'you must specify at least 1 of stdin, stdout, stderr');
    // Booleans as the API server converts them: 0 and false in any case are false, anything else true.
    await assert.rejects(exec('command=ls&stdout=FALSE&stderr=0&stdin=False', ['v5.channel.k8s.io']), (err: Error & { statusCode: number }) =>
      err.statusCode === 400 && JSON.parse(err.message).message === 'you must specify at least 1 of stdin, stdout, stderr');
    await assert.rejects(exec('command=ls&stdout=1', ['channel.k8s.io']), (err: Error & { statusCode: number }) =>
      err.statusCode === 403 && JSON.parse(err.message).message === 'unable to upgrade: requested protocol(s) are not supported: [channel.k8s.io]; supports [v5.channel.k8s.io v4.channel.k8s.io]');
  });
});
