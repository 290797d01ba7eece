// Writing responses: JSON bodies, metav1.Status errors, warnings, and what the client accepts
// (plain objects, server-side Tables, or PartialObjectMetadata).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import { ApiError, errors } from '../../kube/errors.js';
import type { Status } from '../../kube/types.js';
import { parseGoBool } from '../../kube/query.js';

export type ResponseForm = 'object' | 'table' | 'metadata';

export interface Negotiated {
  form: ResponseForm;
  yaml: boolean;
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const p: Record<string, string> = {};
    for (const kv of params) {
      const eq = kv.indexOf('=');
      if (eq > 0) p[kv.slice(0, eq).trim()] = kv.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params: p };
  });
}

/** Picks the first acceptable representation, as upstream's negotiation does. */
export function negotiate(req: IncomingMessage): Negotiated {
  const ranges = parseAccept(req.headers.accept);
  if (ranges.length === 0) return { form: 'object', yaml: false };
  for (const r of ranges) {
    const json = r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*';
    const yaml = r.type === 'application/yaml';
    if (!json && !yaml) continue;
    const as = r.params.as;
    if (!as) return { form: 'object', yaml };
    if (r.params.g !== 'meta.k8s.io' || (r.params.v !== 'v1' && r.params.v !== 'v1beta1')) continue;
    if (as === 'Table') return { form: 'table', yaml };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { form: 'metadata', yaml };
  }
  throw errors.notAcceptable('only the following media types are accepted: application/json, application/yaml');
}

/**
 * Indented JSON, as upstream's isPrettyPrint decides: ?pretty= read with strconv.ParseBool (a value
 * it refuses is false), else a browser's, curl's or wget's User-Agent.
 */
export function isPrettyPrint(req: IncomingMessage | undefined): boolean {
  if (!req) return false;
  const raw = req.url ?? '';
  if (raw.includes('pretty')) {
    const pretty = new URL(raw, 'https://localhost').searchParams.get('pretty');
    if (pretty) return parseGoBool(pretty) ?? false;
  }
  const ua = req.headers['user-agent'] ?? '';
  return ua.startsWith('curl') || ua.startsWith('Wget') || ua.startsWith('Mozilla/5.0');
}

export function writeJson(res: ServerResponse, code: number, body: unknown, yaml = false): void {
  if (res.headersSent) return;
  if (yaml) writeBody(res, code, 'application/yaml', toYaml(body));
  else if (isPrettyPrint(res.req)) writeBody(res, code, 'application/json', JSON.stringify(body, null, 2));
  else writeJsonText(res, code, JSON.stringify(body));
}

/** A body already serialized as JSON. */
export function writeJsonText(res: ServerResponse, code: number, text: string): void {
  if (res.headersSent) return;
  writeBody(res, code, 'application/json', isPrettyPrint(res.req) ? JSON.stringify(JSON.parse(text), null, 2) : text);
}

function writeBody(res: ServerResponse, code: number, contentType: string, text: string): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function writeStatus(res: ServerResponse, status: Status): void {
  writeJson(res, status.code, status);
}

export function writeError(res: ServerResponse, err: unknown): void {
  const status = err instanceof ApiError ? err.status : errors.internal(err).status;
  if (res.headersSent) {
    res.end();
    return;
  }
  writeStatus(res, status);
}

/** Warnings as upstream sends them: `Warning: 299 - "text"` headers, which kubectl prints. */
export function addWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length === 0) return;
  const values = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  const existing = res.getHeader('Warning');
  const prior = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('Warning', [...prior, ...values]);
}

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(errors.tooLarge(`Request entity too large: limit is ${limit}`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => { if (!failed) resolve(Buffer.concat(chunks)); });
    req.on('error', (e) => { if (!failed) reject(e); });
  });
}
