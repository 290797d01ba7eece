// Records core/v1 Events about objects, as client-go's recorder does: one Event per distinct
// (object, type, reason, message), later repeats bump its count and lastTimestamp.

import { isApiError } from '../kube/errors.js';
import type { Event, KubeObject } from '../kube/types.js';
import type { ApiClient } from './client.js';
import { R } from './resources.js';
import { metaTime } from '../common/time.js';

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}


let lastNanos = 0n;

/**
 * Upstream's event name: <object>.<hex nanoseconds>. Names sort as the events happened, so a
 * list (and `kubectl describe`, which sorts by the second-precision lastTimestamp) keeps their order.
 */
function eventName(object: string | undefined): string {
  // Sub-millisecond digits from the pid keep two processes' names apart within one millisecond.
  const nanos = BigInt(Date.now()) * 1_000_000n + BigInt(process.pid % 1000) * 1000n;
  lastNanos = nanos > lastNanos ? nanos : lastNanos + 1n;
  return `${object}.${lastNanos.toString(16)}`;
}

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly client: ApiClient, private readonly component: string, private readonly host?: string, private readonly log?: (line: string) => void) {}

  /** Records an event; never throws (events are best effort, as upstream). */
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void {
    this.chain = this.chain.then(() => this.write(obj, type, reason, message, fieldPath)).catch((err) => {
      this.log?.(`event ${reason} for ${obj.kind}/${obj.metadata.name}: ${(err as Error).message}`);
    });
  }

  /** Resolves when every recorded event has been written. */
  flush(): Promise<void> {
    return this.chain;
  }

  private async write(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): Promise<void> {
    const namespace = obj.metadata.namespace || 'default';
    const key = [obj.metadata.uid, fieldPath ?? '', type, reason, message].join('\u0000');
    const ts = metaTime();
    const prior = this.seen.get(key);
    if (prior) {
      prior.count += 1;
      try {
        await this.client.patch(R.events, prior.namespace, prior.name, { count: prior.count, lastTimestamp: ts });
        return;
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
        this.seen.delete(key);
      }
    }
    const name = eventName(obj.metadata.name);
    const event: Event = {
      metadata: { name, namespace },
      involvedObject: {
        kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid,
        apiVersion: obj.apiVersion, resourceVersion: obj.metadata.resourceVersion, ...(fieldPath ? { fieldPath } : {}),
      },
      reason, message, type, count: 1,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      firstTimestamp: ts, lastTimestamp: ts, eventTime: null,
      reportingComponent: this.component, reportingInstance: this.host ?? '',
    };
    await this.client.create(R.events, namespace, event);
    this.seen.set(key, { name, namespace, count: 1, firstTimestamp: ts });
    if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value!);
  }
}
