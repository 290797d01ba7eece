// What controllers share: their context, owner references, pod states, template hashes.

import type { KubeObject, OwnerReference, Pod } from '../kube/types.js';
import type { ApiClient } from '../client/client.js';
import type { EventRecorder } from '../client/events.js';
import type { InformerFactory } from '../client/factory.js';

export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  recorder(component: string): EventRecorder;
  log(component: string): (line: string) => void;
}

export interface Controller {
  readonly name: string;
  /** Registers informers and handlers; workers start after the informers synced. */
  start(): void;
  stop(): Promise<void>;
}


export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

export function ownerRefTo(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function isPodActive(p: Pod): boolean {
  return p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp;
}

export function isPodReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Ready for at least minReadySeconds at now. */
export function isPodAvailable(p: Pod, minReadySeconds: number, now = Date.now()): boolean {
  if (!isPodReady(p)) return false;
  if (!minReadySeconds) return true;
  const c = p.status?.conditions?.find((x) => x.type === 'Ready');
  const since = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : now;
  return since + minReadySeconds * 1000 <= now;
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a 32-bit. */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(s, 'utf8');
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Upstream's rand.SafeEncodeString: maps each character into an alphabet without vowels or look-alikes. */
export function safeEncode(s: string): string {
  let out = '';
  for (const ch of Buffer.from(s, 'utf8')) out += SAFE_ALPHABET[ch % SAFE_ALPHABET.length];
  return out;
}

/** Stable JSON: object keys sorted, so equal objects hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A pod-template-hash / controller-revision-hash value: hash of the template (and collision count). */
export function computeHash(template: unknown, collisionCount?: number): string {
  const h = fnv32a(canonicalJson(template) + (collisionCount ? `/${collisionCount}` : ''));
  return safeEncode(String(h));
}

/** Resolves an int-or-percent (maxSurge, maxUnavailable) against total, rounding as upstream does. */
export function intOrPercent(v: number | string | undefined, total: number, roundUp: boolean, dflt: number | string): number {
  const value = v ?? dflt;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number(value) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** Template equality ignoring the pod-template-hash label, as upstream's EqualIgnoreHash. */
export function templatesEqualIgnoringHash(a: unknown, b: unknown): boolean {
  const strip = (t: any) => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels) {
      delete c.metadata.labels['pod-template-hash'];
      if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
    }
    if (c.metadata && Object.keys(c.metadata).length === 0) delete c.metadata;
    return canonicalJson(c);
  };
  return strip(a) === strip(b);
}

export interface Toleration { key?: string; operator?: string; value?: string; effect?: string }
export interface Taint { key: string; value?: string; effect: string }

/** Upstream's ToleratesTaint: Exists matches any value (an empty key: every taint), Equal the value; an empty effect every effect. */
export function toleratesTaint(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((t) =>
    (t.operator === 'Exists' ? !t.key || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? ''))
    && (!t.effect || t.effect === taint.effect));
}
