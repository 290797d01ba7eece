// Answering GET /openapi/v3[/<group version>] as upstream's handler does: JSON only, ETag and
// Last-Modified with conditional requests, a 301 to the current URL when ?hash= is stale, and
// "Cache-Control: public, immutable" for a URL whose hash matches.

import type { OpenApiBody, OpenApiSet } from './document.js';
import { serverRelativeURL } from './document.js';
import { serveOpenApiV2 } from './serve-v2.js';

export interface OpenApiResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const JSON_TYPES = ['application/json', 'application/*', '*/*'];

/** True when the Accept header allows JSON (no header allows everything). */
function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((clause) => {
    const [type, ...params] = clause.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return JSON_TYPES.includes(type) && (!q || Number(q.slice(2)) > 0);
  });
}

function content(doc: OpenApiBody, ifNoneMatch: string | undefined, extra: Record<string, string>): OpenApiResponse {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Etag: `"${doc.etag}"`,
    'Last-Modified': doc.lastModified.toUTCString(),
    ...extra,
  };
  const tags = (ifNoneMatch ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (tags.includes(`"${doc.etag}"`) || tags.includes('*')) return { status: 304, headers, body: Buffer.alloc(0) };
  return { status: 200, headers, body: doc.body };
}

/**
 * The response to GET `path` (with `query` and the request's Accept and If-None-Match headers),
 * or undefined when the path is not under /openapi/v3 (or /openapi/v2: serve-v2.ts).
 */
export function serveOpenApi(set: OpenApiSet, path: string, query: URLSearchParams, headers: { accept?: string; ifNoneMatch?: string } = {}, now = new Date()): OpenApiResponse | undefined {
  if (path === '/openapi/v2' || path === '/openapi/v2/') return serveOpenApiV2(set, headers);
  if (path === '/openapi/v3' || path === '/openapi/v3/') return content(set.root, headers.ifNoneMatch, {});
  if (!path.startsWith('/openapi/v3/')) return undefined;
  const key = path.slice('/openapi/v3/'.length);
  const doc = set.documents.get(key);
  const notFound = { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: Buffer.from('404 page not found\n') };
  if (!doc) return notFound;
  if (!acceptsJson(headers.accept)) return { status: 406, headers: { Vary: 'Accept' }, body: Buffer.alloc(0) };
  const hash = query.get('hash');
  if (hash && hash !== doc.etag) {
    return { status: 301, headers: { Location: serverRelativeURL(key, doc.etag), Vary: 'Accept' }, body: Buffer.alloc(0) };
  }
  const cache: Record<string, string> = { Vary: 'Accept' };
  if (hash) {
    cache['Cache-Control'] = 'public, immutable';
    cache.Expires = new Date(now.getTime() + 365 * 24 * 3600 * 1000).toUTCString();
  }
  return content(doc, headers.ifNoneMatch, cache);
}
