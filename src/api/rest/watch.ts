// Watch over HTTP as upstream serves it: a chunked 200 response with one JSON event per line,
// flushed per event; initial ADDED events for resourceVersion "" or "0"; BOOKMARK events when
// asked; an ERROR event with a 410 Expired Status when the resourceVersion is compacted.

import { randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isStoreError } from '../../storage/types.js';
import { errors } from '../../kube/errors.js';
import type { ResourceDef } from '../resource.js';
import type { KubeObject } from '../../kube/types.js';
import type { ResponseForm } from '../http/respond.js';
import type { ApiCodecs } from './codecs.js';
import { apiVersionOf } from './keys.js';
import type { Registry } from './registry.js';
import type { ListQuery } from './options.js';
import { partialMetadata } from './partial.js';

export interface WatchParams {
  req: IncomingMessage;
  res: ServerResponse;
  registry: Registry;
  codecs: ApiCodecs;
  def: ResourceDef;
  namespace?: string;
  /** The request's ListOptions (options.ts). */
  options: ListQuery;
  /** TableOptions.includeObject, for Tables. */
  includeObject?: 'None' | 'Metadata' | 'Object';
  filter: (obj: KubeObject) => boolean;
  form: ResponseForm;
  /** How often to send BOOKMARK events when the client allows them. */
  bookmarkIntervalMs?: number;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Slow watchers whose unsent output grows past this are ended, as upstream ends them. */
const MAX_BUFFERED = 32 * 1024 * 1024;

export async function serveWatch(p: WatchParams): Promise<void> {
  const { req, res, registry, def, options } = p;
  const rvParam = options.resourceVersion;
  const sendInitial = options.sendInitialEvents === true;
  const allowBookmarks = options.allowWatchBookmarks || sendInitial;
  // timeoutSeconds=0 (or none) is the server's own 30 to 60 minutes; a negative one ends at once.
  const timeoutMs = options.timeoutSeconds ? Math.max(0, options.timeoutSeconds) * 1000 : (1800 + randomInt(1800)) * 1000;

  let fromRevision: number;
  let initial: KubeObject[] = [];
  if (options.sendInitialEvents === false && (rvParam === '' || rvParam === '0')) {
    // sendInitialEvents=false without a resourceVersion: changes from now on, nothing before.
    fromRevision = (await registry.list(def, { namespace: p.namespace, limit: 1 })).revision;
  } else if (rvParam === '' || rvParam === '0' || sendInitial) {
    const list = await registry.list(def, { namespace: p.namespace, filter: p.filter });
    initial = list.items;
    fromRevision = list.revision;
  } else {
    fromRevision = Number(rvParam);
    if (!Number.isInteger(fromRevision) || fromRevision < 0) throw errors.badRequest(`invalid resource version: strconv.ParseUint: parsing ${JSON.stringify(rvParam)}: invalid syntax`);
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.socket?.setNoDelay(true);
  res.flushHeaders();

  let headersSent = false;
  let lastRevision = fromRevision;
  let ended = false;
  const kind = def.kind;
  const apiVersion = apiVersionOf(def);

  const render = (obj: KubeObject): unknown => {
    if (p.form === 'metadata') return partialMetadata(obj);
    if (p.form === 'table') {
      const t = p.codecs.table(def, [obj], { now: new Date(), includeObject: p.includeObject ?? 'Metadata', noHeaders: headersSent });
      headersSent = true;
      return t;
    }
    return obj;
  };
  const send = (type: EventType, object: unknown): void => {
    if (ended) return;
    res.write(JSON.stringify({ type, object }) + '\n');
    if (res.writableLength > MAX_BUFFERED) finish();
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata: Record<string, unknown> = { resourceVersion: String(lastRevision) };
    if (annotations) metadata.annotations = annotations;
    send('BOOKMARK', { kind, apiVersion, metadata });
  };

  let watcher: { stop(): void } | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  const timeoutTimer = setTimeout(() => finish(), timeoutMs);
  function finish(): void {
    if (ended) return;
    ended = true;
    watcher?.stop();
    clearTimeout(timeoutTimer);
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    res.end();
  }
  req.on('close', finish);
  res.on('close', finish);

  for (const obj of initial) send('ADDED', render(obj));
  if (sendInitial) bookmark({ 'k8s.io/initial-events-end': 'true' });

  const expired = async (): Promise<void> => {
    const compacted = await registry.compactedRevision();
    send('ERROR', errors.expired(`too old resource version: ${fromRevision} (${compacted})`).status);
    finish();
  };
  try {
    watcher = registry.watch(def, {
      namespace: p.namespace,
      fromRevision,
      onEvent: (type, obj, revision, prev) => {
        if (revision > lastRevision) lastRevision = revision;
        const now = type !== 'DELETED' && p.filter(obj);
        const before = prev ? p.filter(prev) : false;
        if (type === 'ADDED') { if (now) send('ADDED', render(obj)); return; }
        if (type === 'DELETED') { if (p.filter(obj)) send('DELETED', render(obj)); return; }
        // A modification moves an object into or out of the selection.
        if (now && before) send('MODIFIED', render(obj));
        else if (now) send('ADDED', render(obj));
        else if (before) send('DELETED', render(obj));
      },
      onError: (err) => {
        if (isStoreError(err, 'Compacted')) { void expired(); return; }
        send('ERROR', errors.internal(err).status);
        finish();
      },
    });
  } catch (err) {
    if (isStoreError(err, 'Compacted')) return expired();
    finish();
    throw err;
  }
  if (ended) watcher.stop();
  if (allowBookmarks) bookmarkTimer = setInterval(() => bookmark(), p.bookmarkIntervalMs ?? 15_000);
}
