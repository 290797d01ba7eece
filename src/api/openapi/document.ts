// The OpenAPI v3 documents the API server serves: one per group version ("api/v1",
// "apis/apps/v1") with every operation of its resources and the schemas they use, and the
// /openapi/v3 discovery document pointing at each with a content hash (upstream's ETag: the
// upper-case hex SHA-512 of the document), so that clients cache a document until it changes.

import { createHash } from 'node:crypto';
import { componentSchemas, type JsonSchema } from './components.js';
import { resourcePaths, type ServedResource } from './paths.js';

export interface OpenApiBody {
  body: Buffer;
  /** Unquoted; served as the ETag header and the ?hash= of the document's URL. */
  etag: string;
  lastModified: Date;
}

export interface OpenApiSet {
  /** GET /openapi/v3 */
  root: OpenApiBody;
  /** GET /openapi/v3/<key>, keyed "api/v1", "apis/apps/v1". */
  documents: Map<string, OpenApiBody>;
}

export interface OpenApiOptions {
  /** info.version of the documents, e.g. "v1.32.0". */
  version?: string;
  /** Last-Modified of the documents. */
  now?: Date;
}

const gvPath = (r: { group: string; version: string }) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`);

/** The discovery document's URL of one document; the hash changes whenever its content does. */
export const serverRelativeURL = (path: string, etag: string) => `/openapi/v3/${path}?hash=${etag}`;

function body(value: unknown, lastModified: Date): OpenApiBody {
  const buf = Buffer.from(JSON.stringify(value));
  return { body: buf, etag: createHash('sha512').update(buf).digest('hex').toUpperCase(), lastModified };
}

const sortKeys = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));

/** Builds the OpenAPI v3 documents of `resources` (ResourceDefs fit). */
export function buildOpenApi(resources: ServedResource[], options: OpenApiOptions = {}): OpenApiSet {
  const now = options.now ?? new Date();
  const byGV = new Map<string, ServedResource[]>();
  for (const r of resources) byGV.set(gvPath(r), [...(byGV.get(gvPath(r)) ?? []), r]);

  const documents = new Map<string, OpenApiBody>();
  for (const [path, rs] of [...byGV].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const uses = new Set<string>();
    const paths: Record<string, JsonSchema> = {};
    for (const r of rs) Object.assign(paths, resourcePaths(r, uses));
    const { group, version } = rs[0];
    // Meta kinds are registered in every group version; each document names its own.
    const own = (kind: string) => [{ group, version, kind }];
    const schemas = componentSchemas([...uses], {
      'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions': own('DeleteOptions'),
      'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent': own('WatchEvent'),
    });
    documents.set(path, body({
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: options.version ?? 'unversioned' },
      paths: sortKeys(paths),
      components: {
        schemas,
        securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
      },
      security: [{ BearerToken: [] }],
    }, now));
  }
  const root = body({ paths: Object.fromEntries([...documents].map(([p, d]) => [p, { serverRelativeURL: serverRelativeURL(p, d.etag) }])) }, now);
  return { root, documents };
}

/**
 * `base` with more documents beside its own (the custom resources' group versions, built by
 * src/api/crd): their bodies and hashes, and a root that lists them all.
 */
export function withDocuments(base: OpenApiSet, extra: Map<string, unknown>, now = new Date()): OpenApiSet {
  if (extra.size === 0) return base;
  const documents = new Map(base.documents);
  for (const [path, doc] of extra) documents.set(path, body(doc, now));
  const sorted = [...documents].sort(([a], [b]) => (a < b ? -1 : 1));
  const root = body({ paths: Object.fromEntries(sorted.map(([p, d]) => [p, { serverRelativeURL: serverRelativeURL(p, d.etag) }])) }, now);
  return { root, documents: new Map(sorted) };
}
