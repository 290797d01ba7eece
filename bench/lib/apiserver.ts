// A lean HTTPS client for benchmarking an API server as its clients reach it: keep-alive
// connections with a client certificate (the admin's) or a bearer token, JSON bodies, and watch
// streams read line by line. Every socket it opens, close() or a watch's stop() ends.

import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';

export interface Credentials {
  ca: string;
  cert?: string;
  key?: string;
  /** A bearer token (a service account's), sent on every request. */
  token?: string;
}

export class ApiServerClient {
  private readonly agent: Agent;

  constructor(private readonly port: number, private readonly creds: Credentials, maxSockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets, ca: creds.ca, cert: creds.cert, key: creds.key });
  }

  private options(method: string, path: string, agent: Agent | false): RequestOptions {
    const { ca, cert, key, token } = this.creds;
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    return { host: '127.0.0.1', port: this.port, method, path, agent, ca, cert, key, headers };
  }

  /** One request; rejects unless the answer is 2xx. */
  call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const req = request(this.options(method, path, this.agent), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
          else resolve(JSON.parse(text) as T);
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /**
   * A watch on its own connection: onEvent gets each event; `ready` resolves once the server
   * has answered (it registers the watch before it answers).
   */
  watch(path: string, onEvent: (event: { type: string; object: any }) => void): { ready: Promise<void>; stop(): void } {
    let res: IncomingMessage | undefined;
    const req = request(this.options('GET', path, false));
    const ready = new Promise<void>((resolve, reject) => {
      req.on('response', (r) => {
        res = r;
        if (r.statusCode !== 200) return reject(new Error(`watch ${path}: ${r.statusCode}`));
        let buffered = '';
        r.setEncoding('utf8');
        r.on('data', (d: string) => {
          buffered += d;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            if (line) onEvent(JSON.parse(line));
          }
        });
        r.on('error', () => undefined); // ended by stop()
        resolve();
      });
      req.on('error', reject);
    });
    req.end();
    return { ready, stop: () => { res?.destroy(); req.destroy(); } };
  }

  close(): void {
    this.agent.destroy();
  }
}
