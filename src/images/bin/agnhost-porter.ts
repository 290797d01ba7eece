// agnhost porter: serves the value of each SERVE_PORT_<n> / SERVE_TCP_PORT_<n> variable over HTTP
// on port n, and of each SERVE_UDP_PORT_<n> as the answer to every datagram on UDP port n, as the
// server pods of upstream's NetworkPolicy e2e tests run it (SERVE_UDP_PORT_81=foo). SCTP and TLS
// ports are refused with the reason: Node.js has no SCTP sockets, and knit's porter has no TLS.

import { createServer } from 'node:http';
import { bindUdp, goFatal, goLog } from './common.js';

export function porter(env: NodeJS.ProcessEnv = process.env): void {
  let serving = 0;
  for (const [key, value = ''] of Object.entries(env)) {
    const m = /^SERVE_(TCP_|UDP_|SCTP_|TLS_)?PORT_(\d+)$/.exec(key);
    if (!m) continue;
    const port = Number(m[2]);
    const kind = m[1] ?? 'TCP_';
    if (kind === 'TCP_') {
      createServer((_req, res) => res.end(value)).on('error', (err) => goFatal(`Error from listen on port ${port}: ${err.message}`)).listen(port);
    } else if (kind === 'UDP_') {
      bindUdp(port, (_msg, rinfo, socket) => socket.send(value, rinfo.port, rinfo.address)).catch((err: Error) => goFatal(`Error from ListenUDP on port ${port}: ${err.message}`));
    } else if (kind === 'SCTP_') {
      goFatal(`Error from SCTP listen on port ${port}: socket: protocol not supported`);
    } else {
      goFatal(`TLS port ${port}: knit's agnhost porter serves no TLS`);
    }
    serving++;
  }
  if (serving === 0) goFatal('No SERVE_PORT_<n>, SERVE_TCP_PORT_<n> or SERVE_UDP_PORT_<n> variables: nothing to serve');
  goLog(`Serving ${serving} ports.`);
}
