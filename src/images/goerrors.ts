// Network errors worded as Go's net package words them ("dial tcp 10.0.0.1:80: connect: connection
// refused"): what agnhost prints and what the kubelet's probes report in events.

const syscallText: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ECONNRESET: 'connection reset by peer',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EPIPE: 'broken pipe',
};

/** host:port as Go's net.JoinHostPort writes it. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The error of a failed net.Dial(network, address), or of an operation on the connection. */
export function goDialError(err: NodeJS.ErrnoException | Error, network: 'tcp' | 'tcp4' | 'tcp6' | 'udp', address: string): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ETIMEDOUT' || code === 'TIMEOUT') return `dial ${network} ${address}: i/o timeout`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return `dial ${network}: lookup ${host}: no such host`;
  }
  const text = syscallText[code];
  if (text && code === 'ECONNRESET') return `read ${network} ${address}: read: ${text}`;
  if (text) return `dial ${network} ${address}: connect: ${text}`;
  return `dial ${network} ${address}: ${err.message}`;
}

/** The error of Go's http.Client.Get(url) that failed before a response, with its timeout. */
export function goHttpGetError(err: NodeJS.ErrnoException | Error, url: string, address: string): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'TIMEOUT') return `Get ${JSON.stringify(url)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
  if (code === 'HPE_INVALID_CONSTANT' || code.startsWith('HPE_')) return `Get ${JSON.stringify(url)}: net/http: HTTP/1.x transport connection broken: malformed HTTP response`;
  if (err.message === 'socket hang up') return `Get ${JSON.stringify(url)}: EOF`;
  if (code === 'ECONNRESET') return `Get ${JSON.stringify(url)}: read tcp ${address}: read: connection reset by peer`;
  return `Get ${JSON.stringify(url)}: ${goDialError(err, 'tcp', address)}`;
}
