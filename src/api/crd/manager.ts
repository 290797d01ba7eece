// Serving custom resources as CRDs come and go: the API server's CustomResourceDefinitions are
// watched from the store in-process; each change recomputes the accepted names of the CRD's
// group, rebuilds the ResourceDefs of changed CRDs (served at once: the REST handler, discovery
// and the OpenAPI documents follow), writes the status upstream's controllers write
// (acceptedNames, NamesAccepted, Established, KubernetesAPIApprovalPolicyConformant,
// Terminating) and, for a CRD being deleted, deletes every custom resource before letting the
// CRD go (the customresourcecleanup.apiextensions.k8s.io finalizer).

import { isApiError } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/types.js';
import { metaTime } from '../../common/time.js';
import { registerStructs, unregisterStructs } from '../openapi/schema.js';
import type { ResourceDef, WriteContext } from '../resource.js';
import type { Registry } from '../rest/registry.js';
import type { Watcher } from '../../storage/types.js';
import { approvalState } from './crd-validation.js';
import { customResourceDef } from './customresource.js';
import { acceptNames, type NamesResult, setCondition } from './names.js';
import { customResourceDocuments, type CustomServed } from './openapi.js';
import { structsFor } from './structs.js';
import { CLEANUP_FINALIZER, type CRDCondition, type CRDNames, type CRDStatus, type CustomResourceDefinition } from './types.js';
import { sortByPriority } from './versions.js';

export interface CustomResourceHost {
  registry: Registry;
  /** The CustomResourceDefinition kind. */
  crdDef: ResourceDef;
  /** A built-in group/plural a custom resource may not shadow. */
  isBuiltin(group: string, plural: string): boolean;
  /** The served custom resources changed: their defs and OpenAPI documents ("apis/<group>/<version>"). */
  changed(defs: ResourceDef[], documents: Map<string, unknown>): void;
  /** info.version of the OpenAPI documents. */
  version: string;
  log?(line: string): void;
}

interface Serving {
  key: string;
  served: CustomServed[];
  structs: string[];
}

/** How often a CRD being deleted looks again for custom resources that wait on finalizers. */
const CLEANUP_RETRY_MS = 1000;

const isProtectedGroup = (g: string) => g === 'k8s.io' || g.endsWith('.k8s.io') || g === 'kubernetes.io' || g.endsWith('.kubernetes.io');

export class CustomResourceManager {
  private readonly crds = new Map<string, CustomResourceDefinition>();
  private readonly names = new Map<string, NamesResult>();
  private readonly serving = new Map<string, Serving>();
  private readonly syncing = new Set<string>();
  private readonly resync = new Set<string>();
  private readonly cleaning = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private watcher?: Watcher;
  private stopped = false;

  constructor(private readonly host: CustomResourceHost) {}

  /** Lists the stored CRDs, serves what they define, then follows their changes. */
  async start(): Promise<void> {
    const { items, revision } = await this.host.registry.list(this.host.crdDef, {});
    for (const crd of items) this.crds.set(crd.metadata.name!, crd as CustomResourceDefinition);
    this.refresh();
    this.watcher = this.host.registry.watch(this.host.crdDef, {
      fromRevision: revision,
      onEvent: (type, obj) => {
        if (type === 'DELETED') this.crds.delete(obj.metadata.name!);
        else this.crds.set(obj.metadata.name!, obj as CustomResourceDefinition);
        this.refresh();
      },
      onError: (err) => { if (!this.stopped) this.host.log?.(`custom resources: CRD watch ended: ${err.message}`); },
    });
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private ctx(): WriteContext {
    return { dryRun: false, user: 'system:apiserver', fieldManager: 'kube-apiserver', get: async () => undefined };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.timers.delete(t); resolve(); }, ms);
      this.timers.add(t);
    });
  }

  /** Names, serving, status and cleanup, from the CRDs as they now are. */
  private refresh(): void {
    this.computeNames();
    let changed = false;
    // What went goes first: a CRD taking over its names (and schema names) registers after.
    for (const name of [...this.serving.keys()]) {
      if (this.crds.has(name)) continue;
      unregisterStructs(this.serving.get(name)!.structs);
      this.serving.delete(name);
      changed = true;
    }
    for (const [name, crd] of this.crds) changed = this.serve(name, crd) || changed;
    if (changed) this.publish();
    for (const [name, crd] of this.crds) {
      if (!this.statusCurrent(crd)) void this.syncStatus(name);
      if (crd.metadata.deletionTimestamp && (crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) void this.cleanup(name);
    }
  }

  /** Accepted names per group, the oldest CRD first (it keeps what it holds). */
  private computeNames(): void {
    this.names.clear();
    const byGroup = new Map<string, CustomResourceDefinition[]>();
    for (const crd of this.crds.values()) byGroup.set(crd.spec.group, [...(byGroup.get(crd.spec.group) ?? []), crd]);
    for (const crds of byGroup.values()) {
      const held = new Map<string, CRDNames>(crds.map((c) => [c.metadata.name!, c.status?.acceptedNames ?? {}]));
      crds.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name!.localeCompare(b.metadata.name!));
      for (const crd of crds) {
        const others = [...held].filter(([n]) => n !== crd.metadata.name).map(([, names]) => names);
        const r = acceptNames(crd, others);
        held.set(crd.metadata.name!, r.acceptedNames);
        this.names.set(crd.metadata.name!, r);
      }
    }
  }

  /** (Re)builds the defs of one CRD when what they depend on changed; true when they did. */
  private serve(name: string, crd: CustomResourceDefinition): boolean {
    const r = this.names.get(name)!;
    const n = r.acceptedNames;
    const servable = (r.namesAccepted.status === 'True' || r.established.status === 'True') && n.plural && n.singular && n.kind && n.listKind;
    const key = servable ? JSON.stringify([crd.metadata.uid, crd.spec, n]) : '';
    const current = this.serving.get(name);
    if ((current?.key ?? '') === key) return false;
    if (current) unregisterStructs(current.structs);
    if (!servable) {
      this.serving.delete(name);
      return current !== undefined;
    }
    const names = { ...n, plural: n.plural!, singular: n.singular!, kind: n.kind!, listKind: n.listKind! };
    const served: CustomServed[] = [];
    const structs: string[] = [];
    const byName = new Map(crd.spec.versions.map((v) => [v.name, v]));
    for (const version of sortByPriority(crd.spec.versions.filter((v) => v.served).map((v) => v.name))) {
      const v = byName.get(version)!;
      if (this.host.isBuiltin(crd.spec.group, names.plural)) continue;
      const schema = v.schema?.openAPIV3Schema;
      const s = structsFor(crd.spec.group, v.name, names.kind, names.listKind, schema);
      registerStructs(s);
      structs.push(...s.map((x) => x.name));
      const def = customResourceDef(crd, v, names, { terminating: () => !!this.crds.get(name)?.metadata.deletionTimestamp });
      served.push({ def, schema });
    }
    this.serving.set(name, { key, served, structs });
    return true;
  }

  private publish(): void {
    const served = [...this.serving.values()].flatMap((s) => s.served);
    let documents = new Map<string, unknown>();
    try {
      documents = customResourceDocuments(served, this.host.version);
    } catch (err) {
      this.host.log?.(`custom resources: OpenAPI documents: ${(err as Error).stack ?? err}`);
    }
    this.host.changed(served.map((s) => s.def), documents);
  }

  /** The status the controllers want for `crd`, from its current status. */
  private desiredStatus(crd: CustomResourceDefinition): CRDStatus {
    const r = this.names.get(crd.metadata.name!);
    const status: CRDStatus = structuredClone(crd.status ?? {});
    if (!r) return status;
    const now = metaTime();
    let conditions = status.conditions ?? [];
    conditions = setCondition(conditions, r.namesAccepted, now);
    conditions = setCondition(conditions, r.established, now);
    if (isProtectedGroup(crd.spec.group)) {
      const a = approvalState(crd);
      const c: CRDCondition = a.state === 'approved'
        ? { type: 'KubernetesAPIApprovalPolicyConformant', status: 'True', reason: 'ApprovedAnnotation', message: a.reason }
        : { type: 'KubernetesAPIApprovalPolicyConformant', status: 'False', reason: a.state === 'bypassed' ? 'UnapprovedAnnotation' : a.state === 'missing' ? 'MissingAnnotation' : 'InvalidAnnotation', message: a.reason };
      conditions = setCondition(conditions, c, now);
    }
    return { conditions, acceptedNames: r.acceptedNames, storedVersions: status.storedVersions ?? [] };
  }

  private statusCurrent(crd: CustomResourceDefinition): boolean {
    const strip = (s: CRDStatus | undefined) => JSON.stringify({
      ...s, conditions: (s?.conditions ?? []).map(({ lastTransitionTime: _t, ...c }) => c).sort((a, b) => a.type.localeCompare(b.type)),
    });
    return strip(crd.status) === strip(this.desiredStatus(crd));
  }

  /** Writes the desired status through /status; a change meanwhile runs it once more. */
  private async syncStatus(name: string): Promise<void> {
    if (this.syncing.has(name)) {
      this.resync.add(name);
      return;
    }
    this.syncing.add(name);
    try {
      await this.host.registry.guaranteedUpdate(this.host.crdDef, undefined, name, (cur) => {
        cur.status = this.desiredStatus(cur as CustomResourceDefinition);
        delete cur.metadata.resourceVersion;
        return cur;
      }, this.ctx(), 'status');
    } catch (err) {
      if (!isApiError(err, 'NotFound') && !this.stopped) this.host.log?.(`custom resources: status of ${name}: ${(err as Error).message}`);
    } finally {
      this.syncing.delete(name);
      if (this.resync.delete(name) && !this.stopped && this.crds.has(name)) void this.syncStatus(name);
    }
  }

  private async setTerminating(name: string, reason: string, status: 'True' | 'False', message: string): Promise<void> {
    await this.host.registry.guaranteedUpdate(this.host.crdDef, undefined, name, (cur) => {
      cur.status = { ...(cur.status ?? {}), conditions: setCondition(cur.status?.conditions ?? [], { type: 'Terminating', status, reason, message }, metaTime()) };
      delete cur.metadata.resourceVersion;
      return cur;
    }, this.ctx(), 'status');
  }

  /** The def to find a CRD's stored objects with, served or not. */
  private storageDef(crd: CustomResourceDefinition): ResourceDef | undefined {
    const v = crd.spec.versions.find((x) => x.storage);
    const n = crd.spec.names;
    if (!v || !n.plural || !n.kind) return undefined;
    return customResourceDef(crd, v, { ...n, plural: n.plural, singular: n.singular ?? n.kind.toLowerCase(), kind: n.kind, listKind: n.listKind ?? `${n.kind}List` }, { terminating: () => true });
  }

  /** Deletes every custom resource of a CRD being deleted, then removes its finalizer. */
  private async cleanup(name: string): Promise<void> {
    if (this.cleaning.has(name)) return;
    this.cleaning.add(name);
    const { registry, crdDef } = this.host;
    try {
      await this.setTerminating(name, 'InstanceDeletionInProgress', 'True', 'CustomResource deletion is in progress');
      for (;;) {
        if (this.stopped) return;
        const crd = this.crds.get(name);
        const def = crd && this.storageDef(crd);
        if (!def) break;
        const { items } = await registry.list(def, {});
        if (items.length === 0) break;
        for (const o of items) {
          if (o.metadata.deletionTimestamp) continue;
          try {
            await registry.delete(def, o.metadata.namespace, o.metadata.name!, {}, this.ctx());
          } catch (err) {
            if (!isApiError(err, 'NotFound')) throw err;
          }
        }
        if ((await registry.list(def, {})).items.length === 0) break;
        await this.sleep(CLEANUP_RETRY_MS);
      }
      await this.setTerminating(name, 'InstanceDeletionCompleted', 'False', 'removed all instances');
      await registry.guaranteedUpdate(crdDef, undefined, name, (cur: KubeObject) => {
        cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
        if (!cur.metadata.finalizers.length) delete cur.metadata.finalizers;
        delete cur.metadata.resourceVersion;
        return cur;
      }, this.ctx());
    } catch (err) {
      if (!isApiError(err, 'NotFound') && !this.stopped) {
        this.host.log?.(`custom resources: cleanup of ${name}: ${(err as Error).message}`);
        this.cleaning.delete(name);
        await this.sleep(CLEANUP_RETRY_MS);
        if (!this.stopped) void this.cleanup(name);
        return;
      }
    } finally {
      this.cleaning.delete(name);
    }
  }
}
