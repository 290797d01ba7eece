// agnhost netexec: the HTTP server (--http-port, 8080) and UDP server (--udp-port, 8081) that the
// upstream Service and NetworkPolicy e2e tests talk to, with upstream's endpoints and answers.

import { exec } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { request as httpRequest, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { bindUdp, goAddr, goFatal, goLog, podHostname } from './common.js';
import { tryParseGoDuration } from '../../common/go-duration.js';
import { goHttpGetError, joinHostPort } from '../goerrors.js';

const DIAL_TIMEOUT_MS = 5000;

/** Go's time.Now().String(): "2006-01-02 15:04:05.999999999 +0000 UTC". */
function goNow(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const zone = `${off >= 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)} ${zone} ${off === 0 ? 'UTC' : zone}`;
}

function dialHTTP(request: string, address: string): Promise<string> {
  const url = `http://${address}/${request}`;
  return new Promise((resolve, reject) => {
    // A new connection per try, as upstream's dial does (a kept-alive one would land on one pod).
    const req = httpRequest(url, { timeout: DIAL_TIMEOUT_MS, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      res.on('error', (err) => reject(new Error(goHttpGetError(err, url, address))));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err) => reject(new Error(goHttpGetError(err, url, address))));
    req.end();
  });
}

function dialUDP(request: string, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      const local = socket.address();
      socket.close();
      reject(new Error(`reading from udp connection failed. err:'read udp ${goAddr(local.address, local.port)}->${joinHostPort(host, port)}: i/o timeout'`));
    }, DIAL_TIMEOUT_MS);
    socket.on('error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(new Error(`udp connection write failed. err:${err.message}`));
    });
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg.toString());
    });
    socket.send(request, port, host);
  });
}

async function dialHandler(url: URL, res: ServerResponse): Promise<void> {
  const q = url.searchParams;
  const host = q.get('host') ?? '';
  const port = q.get('port') ?? '';
  const request = q.get('request') ?? '';
  const protocol = (q.get('protocol') ?? '').toLowerCase();
  const triesParam = q.get('tries') ?? '';
  goLog(`GET /dial?host=${host}&protocol=${protocol}&port=${port}&request=${request}&tries=${triesParam}`);
  const fail = (msg: string) => { res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }); res.end(`${msg}\n`); };
  let tries = 1;
  if (triesParam !== '') {
    if (!/^[+-]?\d+$/.test(triesParam)) return fail(`tries parameter is invalid. strconv.Atoi: parsing ${JSON.stringify(triesParam)}: invalid syntax`);
    tries = Number(triesParam);
  }
  if (request === '') return fail('request parameter not specified. <nil>');
  if (protocol !== '' && protocol !== 'http' && protocol !== 'udp') return fail(`unsupported protocol. ${protocol}`);
  const portNumber = Number(port);
  if (!/^\d+$/.test(port) || portNumber > 65535) return fail(`host and/or port param are invalid. address ${joinHostPort(host, port)}: invalid port`);
  let ip: string;
  try {
    ip = isIP(host) ? host : (await lookup(host)).address;
  } catch {
    return fail(`host and/or port param are invalid. lookup ${host}: no such host`);
  }
  const responses: string[] = [];
  const errors: string[] = [];
  let last = '';
  for (let i = 0; i < tries; i++) {
    try {
      last = protocol === 'udp' ? await dialUDP(request, ip, portNumber) : await dialHTTP(request, joinHostPort(ip, portNumber));
      responses.push(last);
    } catch (err) {
      last = '';
      errors.push((err as Error).message);
    }
  }
  // encoding/json writes map keys sorted; upstream adds responses only when the last try answered.
  const output: Record<string, string[]> = {};
  if (errors.length > 0) output.errors = errors;
  if (last.length > 0) output.responses = responses;
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(JSON.stringify(output));
}

function shellHandler(url: URL, res: ServerResponse): void {
  const cmd = url.searchParams.get('shellCommand') || url.searchParams.get('cmd') || '';
  goLog(`GET /shell?cmd=${cmd}`);
  exec(cmd, { shell: '/bin/sh', encoding: 'utf8' }, (err, stdout, stderr) => {
    const output: Record<string, string> = {};
    if (err) output.error = err.signal ? `signal: ${err.signal}` : `exit status ${err.code}`;
    if (stdout + stderr) output.output = stdout + stderr;
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(JSON.stringify(output));
  });
}

export async function netexec(flags: { 'http-port': number; 'udp-port': number }): Promise<void> {
  let udpReady = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const text = (code: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
      res.end(body);
    };
    switch (url.pathname) {
      case '/':
        goLog('GET /');
        return text(200, `NOW: ${goNow()}`);
      case '/clientip':
        goLog('GET /clientip');
        return text(200, goAddr(req.socket.remoteAddress, req.socket.remotePort));
      case '/hostname':
      case '/hostName':
        goLog(`GET ${url.pathname}`);
        return text(200, podHostname());
      case '/healthz':
        goLog('GET /healthz');
        return text(udpReady ? 200 : 412, '');
      case '/echo': {
        const msg = url.searchParams.get('msg') ?? '';
        const code = url.searchParams.get('code') ?? '';
        goLog(`GET /echo?msg=${msg}&code=${code}`);
        if (code !== '' && !/^\d+$/.test(code)) return text(200, `argument 'code' must be an integer or empty, got ${JSON.stringify(code)}\n`);
        return text(code === '' ? 200 : Number(code), msg);
      }
      case '/redirect': {
        const location = url.searchParams.get('location') ?? '';
        const code = url.searchParams.get('code') ?? '';
        goLog(`${req.method} /redirect?msg=${location}&code=${code}`);
        return text(code === '' ? 302 : Number(code), '', { Location: location });
      }
      case '/dial':
        void dialHandler(url, res);
        return;
      case '/shell':
        return shellHandler(url, res);
      case '/shutdown':
        goLog('GET /shutdown');
        process.exit(0);
        return;
      case '/exit': {
        const code = url.searchParams.get('code') ?? '';
        const timeout = url.searchParams.get('timeout') ?? '';
        const wait = url.searchParams.get('wait') ?? '';
        goLog(`GET /exit?code=${code}&timeout=${timeout}&wait=${wait}`);
        const timeoutMs = timeout === '' ? 0 : tryParseGoDuration(timeout);
        const waitMs = wait === '' ? 0 : tryParseGoDuration(wait);
        if (timeoutMs === undefined) return text(200, `argument 'timeout' must be a valid golang duration or empty, got ${JSON.stringify(timeout)}\n`);
        if (waitMs === undefined) return text(200, `argument 'wait' must be a valid golang duration or empty, got ${JSON.stringify(wait)}\n`);
        if (code !== '' && !/^\d+$/.test(code)) return text(200, `argument 'code' must be an integer [0-127] or empty, got ${JSON.stringify(code)}\n`);
        const exitCode = code === '' ? 0 : Number(code);
        setTimeout(() => {
          if (timeoutMs === 0) process.exit(exitCode);
          server.close(() => process.exit(exitCode));
          setTimeout(() => process.exit(exitCode), timeoutMs).unref();
        }, waitMs);
        return;
      }
      default:
        goLog('GET /');
        return text(200, `NOW: ${goNow()}`);
    }
  });
  server.on('error', (err) => goFatal(`listen tcp :${flags['http-port']}: ${err.message}`));
  server.listen(flags['http-port'], () => goLog(`Started HTTP server on port ${flags['http-port']}`));

  if (flags['udp-port'] !== -1) {
    try {
      await bindUdp(flags['udp-port'], (msg, rinfo, socket) => {
        const text = msg.toString().trim().toLowerCase();
        const client = goAddr(rinfo.address, rinfo.port);
        let reply: string | undefined;
        if (text === 'hostname') reply = podHostname();
        else if (text.startsWith('echo ')) reply = text.slice(5);
        else if (text === 'clientip') reply = client;
        else if (text.length > 0) goLog(`Unknown UDP command received from ${client}: ${text}`);
        if (reply !== undefined) socket.send(reply, rinfo.port, rinfo.address);
      });
      goLog(`Started UDP server on port  ${flags['udp-port']}`);
      udpReady = true;
    } catch (err) {
      goFatal(`Error occurred: failed to create listener for UDP address :${flags['udp-port']}:${(err as Error).message}`);
    }
  }
}
