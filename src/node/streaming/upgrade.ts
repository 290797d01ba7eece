// The HTTP side of the streaming upgrades: reading upgrade headers and refusing an upgrade on the
// raw socket (Node hands 'upgrade' requests over before any response exists).

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { statusFailure } from '../../kube/errors.js';

const reasons: Record<number, string> = { 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 500: 'InternalError' };
const statusText: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };

/** All values of a header, comma-separated lists split and trimmed. */
export function headerList(req: IncomingMessage, name: string): string[] {
  const raw = req.headers[name.toLowerCase()];
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** Is this an `Upgrade: <protocol>` request (Connection: upgrade, Upgrade naming the protocol)? */
export function isUpgradeTo(req: IncomingMessage, protocol: string): boolean {
  const connection = headerList(req, 'connection').some((v) => v.toLowerCase() === 'upgrade');
  return connection && headerList(req, 'upgrade').some((v) => v.toLowerCase() === protocol.toLowerCase());
}

/** Answers an upgrade request with an error (a metav1.Status body, as the API server's) and closes the socket. */
export function rejectUpgrade(socket: Duplex, code: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(statusFailure(code, reasons[code] ?? 'InternalError', message));
  const lines = [
    `HTTP/1.1 ${code} ${statusText[code] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.on('error', () => socket.destroy()); // a client gone mid-answer is no matter
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** Answers an upgrade request with a plain-text error, as the kubelet's own handlers write theirs, and closes the socket. */
export function rejectUpgradeText(socket: Duplex, code: number, text: string): void {
  const head = [`HTTP/1.1 ${code} ${statusText[code] ?? 'Error'}`, 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(text)}`, 'Connection: close'];
  socket.on('error', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
}

/**
 * The SPDY/3.1 upgrade as the kubelet answers it (httpstream.Handshake, then spdy's
 * UpgradeResponse): the client must offer `protocol` in X-Stream-Protocol-Version; then 101
 * Switching Protocols and the socket carries SPDY frames. Returns false after refusing.
 */
export function acceptSpdyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): boolean {
  const offered = headerList(req, 'x-stream-protocol-version');
  if (offered.length === 0) {
    rejectUpgrade(socket, 400, 'unable to upgrade: X-Stream-Protocol-Version is required');
    return false;
  }
  if (!offered.includes(protocol)) {
    rejectUpgrade(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports ${goList(offered)}, server accepts ${goList([protocol])}`,
      { 'X-Accepted-Stream-Protocol-Versions': protocol });
    return false;
  }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  if (head.length) socket.unshift(head);
  return true;
}

/** Go's %v of a []string: "[a b c]". */
export function goList(values: string[]): string {
  return `[${values.join(' ')}]`;
}

/** An upgraded streaming connection; its owner ends it with close(). */
export interface StreamingConnection {
  /** Ends the connection and everything it opened (processes are the handler's, see its signal). */
  close(): void;
  /** Resolves once the connection is gone, whoever ended it. */
  readonly closed: Promise<void>;
}
