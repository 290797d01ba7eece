// The streaming protocols kubectl speaks for exec, attach and port-forward, served from an
// http(s) server's 'upgrade' event (the node agent's; the API server passes the upgraded
// connection through, as upstream's does to the kubelet).
//
//   server.on('upgrade', (req, socket, head) => {
//     if (path ends in /exec or /attach) serveExec(req, socket, head, runInContainer);
//     else if (path ends in /portforward) servePortForward(req, socket, head, (port) => dialInPod(port));
//   });

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecHandler } from './exec.js';
import { serveExecSpdy } from './exec-spdy.js';
import { serveExecWebSocket } from './exec-websocket.js';
import { isUpgradeTo, type StreamingConnection } from './upgrade.js';

export { exitStatus, parseExecOptions } from './exec.js';
export type { ExecHandler, ExecOptions, ExecSession, ExecStatus, TerminalSize } from './exec.js';
export { EXEC_SPDY_PROTOCOL, serveExecSpdy } from './exec-spdy.js';
export type { ExecSpdyOptions } from './exec-spdy.js';
export { EXEC_PROTOCOL_V4, EXEC_PROTOCOL_V5, serveExecWebSocket } from './exec-websocket.js';
export { PORT_FORWARD_PROTOCOL, PORT_FORWARD_TUNNEL_PROTOCOL, servePortForward } from './portforward.js';
export { PORT_FORWARD_WEBSOCKET_BASE64_PROTOCOL, PORT_FORWARD_WEBSOCKET_PROTOCOL } from './portforward-websocket.js';
export type { PortForwardDial, PortForwardOptions } from './portforward.js';
export { rejectUpgradeText } from './upgrade.js';
export type { StreamingConnection } from './upgrade.js';

/**
 * Serves an exec or attach upgrade over whichever transport the client asked for: WebSocket
 * (kubectl 1.30+) or SPDY (older kubectl, or KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false).
 */
export function serveExec(req: IncomingMessage, socket: Duplex, head: Buffer, handler: ExecHandler): StreamingConnection | undefined {
  return isUpgradeTo(req, 'SPDY/3.1') ? serveExecSpdy(req, socket, head, handler) : serveExecWebSocket(req, socket, head, handler);
}
