// Answering GET /openapi/v2 as kube-openapi's handler does: JSON or gnostic protobuf by the Accept
// header (goautoneg's order: by q, then the more specific range), ETag (the upper-case hex SHA-512
// of the JSON document, for both forms) and Last-Modified with conditional requests, 406 when
// neither form is acceptable. The document is built from the OpenAPI v3 set on the first request
// and kept as long as the set is.

import { createHash } from 'node:crypto';
import type { OpenApiSet } from './document.js';
import type { OpenApiResponse } from './serve.js';
import { openApiV2 } from './v2.js';
import { openApiV2Proto } from './v2-proto.js';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

interface V2Bodies {
  json: Buffer;
  proto: Buffer;
  etag: string;
  lastModified: Date;
}

const built = new WeakMap<OpenApiSet, V2Bodies>();

function bodiesOf(set: OpenApiSet): V2Bodies {
  let b = built.get(set);
  if (!b) {
    const docs = [...set.documents.values()].map((d) => JSON.parse(d.body.toString('utf8')) as Record<string, any>);
    const doc = openApiV2(docs, docs[0]?.info?.version ?? 'unversioned');
    const json = Buffer.from(JSON.stringify(doc));
    b = { json, proto: openApiV2Proto(doc), etag: createHash('sha512').update(json).digest('hex').toUpperCase(), lastModified: set.root.lastModified };
    built.set(set, b);
  }
  return b;
}

/** What kube-openapi serves, by media range: JSON, and protobuf under its old and new names. */
const FORMS: { type: string; subtype: string; contentType: string; proto: boolean }[] = [
  { type: 'application', subtype: 'json', contentType: 'application/json', proto: false },
  { type: 'application', subtype: 'com.github.proto-openapi.spec.v2@v1.0+protobuf', contentType: OPENAPI_V2_PROTOBUF, proto: true },
  { type: 'application', subtype: 'com.github.proto-openapi.spec.v2.v1.0+protobuf', contentType: OPENAPI_V2_PROTOBUF, proto: true },
];

/** goautoneg.ParseAccept: the clauses, highest q first, a concrete type before a wildcard. */
function acceptClauses(accept: string): { type: string; subtype: string; q: number }[] {
  const clauses = accept.split(',').map((part) => {
    const [range, ...params] = part.split(';').map((s) => s.trim());
    const [type = '', subtype = ''] = range.split('/');
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    return { type, subtype: subtype || '*', q: Number.isFinite(q) ? q : 0 };
  }).filter((c) => c.type);
  const rank = (c: { type: string; subtype: string }) => (c.type === '*' ? 2 : c.subtype === '*' ? 1 : 0);
  return clauses.map((c, i) => ({ c, i })).sort((a, b) => b.c.q - a.c.q || rank(a.c) - rank(b.c) || a.i - b.i).map((x) => x.c);
}

/** The response to GET /openapi/v2 with the request's Accept, If-None-Match and If-Modified-Since. */
export function serveOpenApiV2(set: OpenApiSet, headers: { accept?: string; ifNoneMatch?: string; ifModifiedSince?: string } = {}): OpenApiResponse {
  for (const clause of acceptClauses(headers.accept || '*/*')) {
    const form = FORMS.find((f) => (clause.type === f.type || clause.type === '*') && (clause.subtype === f.subtype || clause.subtype === '*'));
    if (!form) continue;
    const b = bodiesOf(set);
    const out: Record<string, string> = {
      Vary: 'Accept', 'Content-Type': form.contentType, Etag: `"${b.etag}"`, 'Last-Modified': b.lastModified.toUTCString(), 'Accept-Ranges': 'bytes',
    };
    const tags = (headers.ifNoneMatch ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (tags.includes(`"${b.etag}"`) || tags.includes('*')) return { status: 304, headers: out, body: Buffer.alloc(0) };
    const since = headers.ifModifiedSince ? Date.parse(headers.ifModifiedSince) : NaN;
    if (!headers.ifNoneMatch && Number.isFinite(since) && Math.floor(b.lastModified.getTime() / 1000) * 1000 <= since) {
      return { status: 304, headers: out, body: Buffer.alloc(0) };
    }
    return { status: 200, headers: out, body: form.proto ? b.proto : b.json };
  }
  return { status: 406, headers: { Vary: 'Accept' }, body: Buffer.alloc(0) };
}
