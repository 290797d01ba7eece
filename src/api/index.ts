// The API server, assembled: every served kind (resources/), decoding and patching (decode/,
// patch/), Tables (printers/), OpenAPI (openapi/), service-account tokens, and the start-up
// work (allocation restore, bootstrap objects).

import { randomUUID } from 'node:crypto';
import { signServiceAccountToken, verifyServiceAccountToken } from '../pki/index.js';
import type { Store } from '../storage/types.js';
import { bootstrap } from './bootstrap.js';
import { decodeBody } from './decode/index.js';
import { errors } from '../kube/errors.js';
import { buildOpenApi, serveOpenApi, withDocuments } from './openapi/index.js';
import { CustomResourceManager } from './crd/index.js';
import { applyPatch, serverSideApply, updateManagedFields } from './patch/index.js';
import { buildTable, tableFor } from './printers/index.js';
import type { ResourceDef } from './resource.js';
import { createResources, wellKnownServiceIPs } from './resources/index.js';
import type { ApiCodecs } from './rest/codecs.js';
import type { RequestUser } from './http/request-info.js';
import type { SubresourceHooks } from './rest/subresources.js';
import { ApiServer, type UpgradeRequest } from './server.js';
import { KUBERNETES_VERSION } from './discovery.js';
import { validateMetadata } from './validation/index.js';
import type { KubeObject } from '../kube/types.js';
import { metaTime } from '../common/time.js';

export { ApiServer } from './server.js';

export interface ApiServerConfig {
  store: Store;
  tls: { caPem: string; certPem: string; keyPem: string };
  serviceCIDR: string;
  nodePortRange: [number, number];
  /** Where clients and pods reach the API server ("192.168.1.1:6443"), for discovery and the `kubernetes` endpoints. */
  advertiseIP: string;
  advertisePort: number;
  /** Service-account token keys (PEM). */
  serviceAccountKey: { privateKeyPem: string; publicKeyPem: string };
  serviceAccountIssuer?: string;
  connect?: SubresourceHooks['connect'];
  upgrade?: (r: UpgradeRequest) => void | Promise<void>;
  log?: (line: string) => void;
}

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

function codecsFor(): ApiCodecs {
  return {
    decode: (raw, contentType, def, fieldValidation) => def.unstructured?.decode(raw, contentType, fieldValidation) ??
      decodeBody(raw, contentType, { gvk: { group: def.group, version: def.version, kind: def.kind }, fieldValidation }),
    patch: (live, raw, contentType, def, opts) => {
      if (def.unstructured) return def.unstructured.patch(live, raw, contentType, opts.fieldValidation);
      const warnings: string[] = [];
      const object = applyPatch(live, raw, contentType, def.schemaName ?? '', { fieldValidation: opts.fieldValidation, warnings });
      return { object, warnings };
    },
    apply: (live, raw, def, opts) => {
      if (def.unstructured) return def.unstructured.apply(live, raw, opts);
      const r = serverSideApply(live, raw, {
        gvk: { group: def.group, version: def.version, kind: def.kind }, manager: opts.fieldManager, force: opts.force,
        fieldValidation: opts.fieldValidation, time: metaTime(),
        ignoredFields: def.hasStatus ? ['status'] : undefined,
      });
      return { object: r.object, warnings: r.warnings };
    },
    table: (def, objects, opts) => buildTable(def.table ?? tableFor(def.group, def.plural), objects, opts) as unknown as Record<string, unknown>,
  };
}

/** Creates the API server (not yet listening); start() restores allocations and writes the bootstrap objects. */
export function createApiServer(cfg: ApiServerConfig): { server: ApiServer; start(): Promise<void> } {
  const defs = createResources({ serviceCIDR: cfg.serviceCIDR, nodePortRange: cfg.nodePortRange });
  const issuer = cfg.serviceAccountIssuer ?? DEFAULT_ISSUER;
  const builtinOpenApi = buildOpenApi(defs.map((d) => ({ group: d.group, version: d.version, kind: d.kind, plural: d.plural, namespaced: d.namespaced, subresources: d.subresources, verbs: d.verbs })), { version: KUBERNETES_VERSION.gitVersion });
  // Custom resources add their group versions' documents as CRDs come and go.
  let openapi = builtinOpenApi;

  const authenticateToken = async (token: string): Promise<RequestUser | undefined> => {
    try {
      const claims = verifyServiceAccountToken(cfg.serviceAccountKey.publicKeyPem, token, { issuers: [issuer] });
      const ns = claims['kubernetes.io'].namespace;
      return {
        name: `system:serviceaccount:${ns}:${claims['kubernetes.io'].serviceaccount.name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
      };
    } catch {
      return undefined;
    }
  };

  const issueToken = async (sa: KubeObject, request: KubeObject): Promise<KubeObject> => {
    const spec = request.spec ?? {};
    const expirationSeconds = Math.max(600, Number(spec.expirationSeconds ?? 3600));
    const bound = spec.boundObjectRef;
    if (bound && bound.kind !== 'Pod' && bound.kind !== 'Secret' && bound.kind !== 'Node') {
      throw errors.badRequest(`cannot bind token for serviceaccount "${sa.metadata.name}" to object of kind "${bound.kind}"`);
    }
    const now = new Date();
    const token = signServiceAccountToken(cfg.serviceAccountKey.privateKeyPem, {
      issuer, audiences: spec.audiences?.length ? spec.audiences : [issuer], namespace: sa.metadata.namespace!,
      serviceAccount: { name: sa.metadata.name!, uid: sa.metadata.uid! },
      pod: bound?.kind === 'Pod' ? { name: bound.name, uid: bound.uid ?? randomUUID() } : undefined,
      expirationSeconds, now,
    });
    return {
      kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: sa.metadata.name, namespace: sa.metadata.namespace, creationTimestamp: null as unknown as string },
      spec: { ...spec, expirationSeconds },
      status: { token, expirationTimestamp: metaTime(now.getTime() + expirationSeconds * 1000) },
    };
  };

  const server = new ApiServer({
    store: cfg.store,
    resources: defs,
    codecs: codecsFor(),
    validateMeta: validateMetadata,
    trackFields: (live, next, def, ctx, subresource) => updateManagedFields(live, next, {
      manager: ctx.fieldManager, time: metaTime(), subresource,
      ignoredFields: def.hasStatus ? [subresource === 'status' ? 'spec' : 'status'] : undefined,
    }),
    tls: cfg.tls,
    advertiseAddress: `${cfg.advertiseIP}:${cfg.advertisePort}`,
    authenticateToken,
    openapi: {
      serve(req, res, url) {
        const r = serveOpenApi(openapi, url.pathname, url.searchParams, { accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'] });
        if (!r) return false;
        res.writeHead(r.status, r.headers);
        res.end(r.body);
        return true;
      },
    },
    hooks: { connect: cfg.connect, issueToken },
    upgrade: cfg.upgrade,
    log: cfg.log,
  });

  // Custom resources: served as CRDs come and go (src/api/crd).
  const builtin = new Set(defs.map((d) => `${d.group}/${d.plural}`));
  const customResources = new CustomResourceManager({
    registry: server.registry,
    crdDef: defs.find((d) => d.group === 'apiextensions.k8s.io' && d.plural === 'customresourcedefinitions')!,
    isBuiltin: (group, plural) => builtin.has(`${group}/${plural}`),
    changed: (custom, documents) => {
      server.setResources([...defs, ...custom]);
      openapi = withDocuments(builtinOpenApi, documents);
    },
    version: KUBERNETES_VERSION.gitVersion,
    log: cfg.log,
  });
  server.onClose(() => customResources.stop());

  const defByPlural = (group: string, plural: string): ResourceDef => {
    const d = defs.find((x) => x.group === group && x.plural === plural);
    if (!d) throw new Error(`no resource ${group}/${plural}`);
    return d;
  };

  return {
    server,
    async start() {
      // Allocations (ClusterIPs, node ports) live in memory: rebuild them from what is stored.
      for (const def of defs) {
        if (!def.restore) continue;
        const { items } = await server.registry.list(def, {});
        def.restore(items);
      }
      await bootstrap({
        registry: server.registry, def: defByPlural,
        kubernetesServiceIP: wellKnownServiceIPs(cfg.serviceCIDR).kubernetes,
        endpointIP: cfg.advertiseIP, endpointPort: cfg.advertisePort,
      });
      await customResources.start();
    },
  };
}
