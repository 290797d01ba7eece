// API discovery as upstream serves it: /api, /apis, /apis/<group>, /api/v1 and /apis/<g>/<v>
// as APIVersions/APIGroupList/APIGroup/APIResourceList, plus aggregated discovery
// (apidiscovery.k8s.io/v2 APIGroupDiscoveryList), which lets kubectl discover in one request.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ResourceDef, Subresource } from './resource.js';

export const DEFAULT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const subresourceInfo: Record<string, { verbs: string[]; kind?: { group: string; version: string; kind: string } }> = {
  status: { verbs: ['get', 'patch', 'update'] },
  scale: { verbs: ['get', 'patch', 'update'], kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } },
  log: { verbs: ['get'] },
  exec: { verbs: ['create', 'get'], kind: { group: '', version: 'v1', kind: 'PodExecOptions' } },
  attach: { verbs: ['create', 'get'], kind: { group: '', version: 'v1', kind: 'PodAttachOptions' } },
  portforward: { verbs: ['create', 'get'], kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' } },
  proxy: { verbs: ['create', 'delete', 'get', 'patch', 'update'], kind: { group: '', version: 'v1', kind: 'PodProxyOptions' } },
  binding: { verbs: ['create'], kind: { group: '', version: 'v1', kind: 'Binding' } },
  eviction: { verbs: ['create'], kind: { group: 'policy', version: 'v1', kind: 'Eviction' } },
  token: { verbs: ['create'], kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' } },
  finalize: { verbs: ['update'] },
  ephemeralcontainers: { verbs: ['get', 'patch', 'update'] },
};

export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** True when the client asks for aggregated discovery (v2, or v2beta1 which has the same shape). */
export function wantsAggregated(req: IncomingMessage): 'v2' | 'v2beta1' | undefined {
  const accept = req.headers.accept ?? '';
  for (const part of accept.split(',')) {
    if (!part.includes('g=apidiscovery.k8s.io') || !part.includes('as=APIGroupDiscoveryList')) continue;
    if (/v=v2(;|$)/.test(part.replace(/\s/g, ''))) return 'v2';
    if (part.includes('v=v2beta1')) return 'v2beta1';
  }
  return undefined;
}

function storageVersionHash(def: ResourceDef): string {
  return createHash('sha256').update(`${def.group}/${def.version}/${def.kind}`).digest('base64').slice(0, 11) + '=';
}

export class Discovery {
  private readonly groups = new Map<string, Map<string, ResourceDef[]>>();

  constructor(defs: ResourceDef[], private readonly serverAddress: string) {
    for (const d of defs) {
      let versions = this.groups.get(d.group);
      if (!versions) this.groups.set(d.group, (versions = new Map()));
      let list = versions.get(d.version);
      if (!list) versions.set(d.version, (list = []));
      list.push(d);
    }
  }

  apiVersions(): unknown {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.serverAddress }] };
  }

  private groupEntry(name: string): Record<string, unknown> | undefined {
    const versions = this.groups.get(name);
    if (!versions) return undefined;
    const vs = [...versions.keys()].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
    return { name, versions: vs, preferredVersion: vs[0] };
  }

  apiGroupList(): unknown {
    const groups = [...this.groups.keys()].filter((g) => g !== '').map((g) => this.groupEntry(g));
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }

  apiGroup(name: string): unknown | undefined {
    const entry = this.groupEntry(name);
    return entry && name !== '' ? { kind: 'APIGroup', apiVersion: 'v1', ...entry } : undefined;
  }

  resourceList(group: string, version: string): unknown | undefined {
    const defs = this.groups.get(group)?.get(version);
    if (!defs) return undefined;
    const resources: Record<string, unknown>[] = [];
    for (const d of defs) {
      const r: Record<string, unknown> = { name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: d.verbs ?? DEFAULT_VERBS };
      if (d.shortNames?.length) r.shortNames = d.shortNames;
      if (d.categories?.length) r.categories = d.categories;
      r.storageVersionHash = storageVersionHash(d);
      resources.push(r);
      for (const sub of d.subresources ?? []) {
        const info = subresourceInfo[sub];
        const sr: Record<string, unknown> = { name: `${d.plural}/${sub}`, singularName: '', namespaced: d.namespaced, kind: info?.kind?.kind ?? d.kind, verbs: info?.verbs ?? ['get'] };
        if (info?.kind && info.kind.group !== d.group) { sr.group = info.kind.group; sr.version = info.kind.version; }
        resources.push(sr);
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }

  /** Aggregated discovery for /api (core only) or /apis (every named group). */
  aggregated(core: boolean, version: 'v2' | 'v2beta1'): unknown {
    const items = [];
    for (const [group, versions] of this.groups) {
      if ((group === '') !== core) continue;
      items.push({
        metadata: { name: group, creationTimestamp: null },
        versions: [...versions.entries()].map(([v, defs]) => ({
          version: v,
          resources: defs.map((d) => {
            const r: Record<string, unknown> = {
              resource: d.plural,
              responseKind: { group: d.group, version: d.version, kind: d.kind },
              scope: d.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: d.singular,
              verbs: d.verbs ?? DEFAULT_VERBS,
            };
            if (d.shortNames?.length) r.shortNames = d.shortNames;
            if (d.categories?.length) r.categories = d.categories;
            const subs = (d.subresources ?? []) as Subresource[];
            if (subs.length) {
              r.subresources = subs.map((s) => ({
                subresource: s,
                responseKind: subresourceInfo[s]?.kind ?? { group: d.group, version: d.version, kind: d.kind },
                verbs: subresourceInfo[s]?.verbs ?? ['get'],
              }));
            }
            return r;
          }),
          freshness: 'Current',
        })),
      });
    }
    return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
  }
}

export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0' };

export function versionInfo(): Record<string, string> {
  return {
    major: KUBERNETES_VERSION.major,
    minor: KUBERNETES_VERSION.minor,
    gitVersion: `${KUBERNETES_VERSION.gitVersion}+knit`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
