// How the API server reaches node agents, as upstream's reaches kubelets: HTTPS to
// <node IP>:10250 with its kubelet-client certificate, here dialled through the underlay's
// netns broker. pods/log is proxied as a request; exec, attach and portforward as upgraded
// connections passed through byte for byte, so the node agent speaks the streaming protocols.

import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { errors } from '../kube/errors.js';
import type { Pod } from '../kube/types.js';
import { QueryParamError, queryPorts } from '../kube/query.js';
import type { ConnectRequest } from '../api/rest/subresources.js';
import type { UpgradeRequest } from '../api/server.js';
import type { NetnsBroker } from '../platform/index.js';

export const NODE_AGENT_PORT = 10250;

export interface NodeConnectorOptions {
  broker: NetnsBroker;
  caPem: string;
  cert: { certPem: string; keyPem: string };
  /** The node IP of a node, from the Node objects. */
  nodeIP(nodeName: string): string | undefined;
}

/** The node agent path for a pod subresource, as kubelet names them. */
export function agentPath(pod: Pod, sub: string, query: URLSearchParams): string {
  const ns = encodeURIComponent(pod.metadata.namespace!);
  const name = encodeURIComponent(pod.metadata.name!);
  const container = query.get('container') ?? '';
  const q = new URLSearchParams(query);
  q.delete('container');
  const qs = q.toString() ? `?${q.toString()}` : '';
  switch (sub) {
    case 'log': return `/containerLogs/${ns}/${name}/${encodeURIComponent(container)}${qs}`;
    case 'exec': return `/exec/${ns}/${name}/${encodeURIComponent(container)}${qs}`;
    case 'attach': return `/attach/${ns}/${name}/${encodeURIComponent(container)}${qs}`;
    case 'portforward': return `/portForward/${ns}/${name}${portForwardQuery(query)}`;
    default: throw errors.badRequest(`${sub} is not supported`);
  }
}

/**
 * PodPortForwardOptions as the kubelet gets them (upstream's PortForwardLocation): the client's
 * `ports=80,8080` become `port=80&port=8080`; a value that is not a port is 400.
 */
function portForwardQuery(query: URLSearchParams): string {
  let ports: number[];
  try {
    ports = queryPorts(query);
  } catch (err) {
    if (err instanceof QueryParamError) throw errors.badRequest(err.message);
    throw err;
  }
  const q = new URLSearchParams(ports.map((p): [string, string] => ['port', String(p)]));
  return q.toString() ? `?${q.toString()}` : '';
}

/** The container a request means: the one named, or the pod's only (or default) container. */
function withContainer(pod: Pod, sub: string, query: URLSearchParams): URLSearchParams {
  if (sub === 'portforward') return query;
  const names = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name);
  const q = new URLSearchParams(query);
  const asked = q.get('container');
  if (asked) {
    if (!names.includes(asked)) throw errors.badRequest(`container ${asked} is not valid for pod ${pod.metadata.name}`);
    return q;
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (pod.spec.containers.length === 1 || (annotated && names.includes(annotated))) {
    q.set('container', annotated && names.includes(annotated) ? annotated : pod.spec.containers[0].name);
    return q;
  }
  throw errors.badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${pod.spec.containers.map((c) => c.name).join(' ')}]`);
}

export class NodeConnector {
  constructor(private readonly o: NodeConnectorOptions) {}

  private async dial(pod: Pod): Promise<TLSSocket> {
    const node = pod.spec.nodeName;
    if (!node) throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
    const ip = this.o.nodeIP(node);
    if (!ip) throw errors.serviceUnavailable(`no address for node ${node}`);
    let raw;
    try {
      raw = await this.o.broker.connectTcp(ip, NODE_AGENT_PORT, { timeoutMs: 5000 });
    } catch (err) {
      throw errors.internal(new Error(`error dialing backend: dial tcp ${ip}:${NODE_AGENT_PORT}: ${(err as Error).message}`));
    }
    return new Promise((resolve, reject) => {
      const tls = tlsConnect({ socket: raw, ca: this.o.caPem, cert: this.o.cert.certPem, key: this.o.cert.keyPem, servername: node, checkServerIdentity: () => undefined }, () => resolve(tls));
      tls.once('error', (err) => reject(errors.internal(new Error(`error dialing backend: ${err.message}`))));
    });
  }

  /** pods/log (and the others when they come without an upgrade): a proxied request. */
  connect = async (r: ConnectRequest): Promise<void> => {
    const pod = r.object as Pod;
    const query = withContainer(pod, r.sub, r.url.searchParams);
    const socket = await this.dial(pod);
    await new Promise<void>((resolve, reject) => {
      const req = httpsRequest({
        method: r.req.method, path: agentPath(pod, r.sub, query), headers: { accept: r.req.headers.accept ?? '*/*' },
        createConnection: () => socket,
      }, (res: IncomingMessage) => {
        r.res.writeHead(res.statusCode ?? 502, {
          'Content-Type': res.headers['content-type'] ?? 'text/plain', 'Cache-Control': 'no-cache, private',
          ...(res.headers['transfer-encoding'] ? {} : res.headers['content-length'] ? { 'Content-Length': res.headers['content-length'] } : {}),
        });
        r.res.socket?.setNoDelay(true);
        res.on('data', (chunk: Buffer) => r.res.write(chunk));
        res.on('end', () => { r.res.end(); resolve(); });
        res.on('error', reject);
        r.req.on('close', () => { res.destroy(); socket.destroy(); resolve(); });
      });
      req.on('error', (err) => reject(errors.internal(new Error(`error dialing backend: ${err.message}`))));
      req.end();
    });
  };

  /** exec, attach, portforward: the upgraded connection goes to the node agent unchanged. */
  upgrade = async (r: UpgradeRequest): Promise<void> => {
    const pod = r.object as Pod;
    const query = withContainer(pod, r.info.subresource!, r.url.searchParams);
    const agent = await this.dial(pod);
    const skip = new Set(['host', 'authorization', 'content-length']);
    const lines = [`${r.req.method} ${agentPath(pod, r.info.subresource!, query)} HTTP/1.1`, `Host: ${pod.spec.nodeName}:${NODE_AGENT_PORT}`];
    for (let i = 0; i < r.req.rawHeaders.length; i += 2) {
      if (!skip.has(r.req.rawHeaders[i].toLowerCase())) lines.push(`${r.req.rawHeaders[i]}: ${r.req.rawHeaders[i + 1]}`);
    }
    agent.write(lines.join('\r\n') + '\r\n\r\n');
    if (r.head.length) agent.write(r.head);
    agent.pipe(r.socket);
    r.socket.pipe(agent);
    const close = () => { agent.destroy(); r.socket.destroy(); };
    agent.on('error', close);
    r.socket.on('error', close);
    agent.on('close', () => r.socket.end());
    r.socket.on('close', () => agent.end());
  };
}
