// The netns broker's child: runs inside one network namespace (started by `ip netns exec`),
// opens sockets there on request and hands them to the parent over the IPC channel.
// Protocol (JSON messages): the parent sends {id, op, host, port, ...}; the child answers
// {id, ok: true, address} with the socket as the message's handle, or {id, ok: false, error}.
// A connection the child's listening socket accepts before the handoff completes is passed on
// as {accepted: <request id>} with the connection as handle.

import net from 'node:net';
import dgram from 'node:dgram';
import type { BrokerReply, BrokerRequest } from './netns-broker.js';

function send(msg: BrokerReply | { accepted: number } | { ready: true }, handle?: net.Server | net.Socket | dgram.Socket, after?: () => void): void {
  if (!process.connected) return;
  const opts = handle instanceof net.Socket ? { keepOpen: false } : undefined;
  process.send!(msg, handle as net.Socket | undefined, opts, () => after?.());
}

function fail(id: number, e: NodeJS.ErrnoException): void {
  send({ id, ok: false, error: { message: e.message, code: e.code } });
}

function listenTcp(req: BrokerRequest): void {
  const server = net.createServer({ pauseOnConnect: true });
  server.on('connection', (sock) => send({ accepted: req.id }, sock));
  server.once('error', (e) => fail(req.id, e));
  server.listen({ host: req.host, port: req.port, backlog: req.backlog }, () => {
    send({ id: req.id, ok: true, address: server.address() as net.AddressInfo }, server, () => server.close());
  });
}

function connectTcp(req: BrokerRequest): void {
  const sock = new net.Socket();
  // Paused before connecting, so no byte is read here and lost in the handoff.
  sock.pause();
  const timer = setTimeout(() => {
    sock.destroy();
    fail(req.id, Object.assign(new Error(`connect ETIMEDOUT ${req.host}:${req.port}`), { code: 'ETIMEDOUT' }));
  }, req.timeoutMs ?? 10_000);
  sock.once('error', (e) => { clearTimeout(timer); fail(req.id, e); });
  sock.connect({ host: req.host, port: req.port }, () => {
    clearTimeout(timer);
    send({ id: req.id, ok: true, address: sock.address() as net.AddressInfo }, sock);
  });
}

function bindUdp(req: BrokerRequest): void {
  const sock = dgram.createSocket({ type: req.type ?? 'udp4', reuseAddr: req.reuseAddr });
  sock.once('error', (e) => fail(req.id, e));
  sock.bind(req.port, req.host, () => {
    send({ id: req.id, ok: true, address: sock.address() }, sock, () => sock.close());
  });
}

process.on('message', (req: BrokerRequest) => {
  try {
    if (req.op === 'listenTcp') listenTcp(req);
    else if (req.op === 'connectTcp') connectTcp(req);
    else if (req.op === 'bindUdp') bindUdp(req);
    else fail(req.id, new Error(`unknown broker operation ${String((req as { op: unknown }).op)}`));
  } catch (e) {
    fail(req.id, e as Error);
  }
});

// The parent owns this process: when it goes away (even by kill -9), so do we.
process.on('disconnect', () => process.exit(0));
send({ ready: true });
