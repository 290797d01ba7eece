// The API server, assembled: every served kind (resources/), decoding and patching (decode/,
// patch/), Tables (printers/), OpenAPI (openapi/), service-account tokens, and the start-up
// work (allocation restore, bootstrap objects).

import type { Store } from '../storage/types.js';
import { ApiAuth } from './auth/index.js';
import { bootstrap } from './bootstrap.js';
import { decodeBody } from './decode/index.js';
import { buildOpenApi, serveOpenApi, withDocuments } from './openapi/index.js';
import { CustomResourceManager } from './crd/index.js';
import { applyPatch, serverSideApply, updateManagedFields } from './patch/index.js';
import { buildTable, tableFor } from './printers/index.js';
import type { ResourceDef } from './resource.js';
import { createResources, wellKnownServiceIPs } from './resources/index.js';
import type { ApiCodecs } from './rest/codecs.js';
import type { SubresourceHooks } from './rest/subresources.js';
import { ApiServer, type UpgradeRequest } from './server.js';
import { KUBERNETES_VERSION } from './discovery.js';
import { validateMetadata } from './validation/index.js';
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
  /** Audiences the API server accepts service-account tokens for (default: the issuer). */
  apiAudiences?: string[];
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
  // Who asks and whether they may: certificates, tokens, impersonation, Node and RBAC (auth/).
  const auth = new ApiAuth({ issuer, apiAudiences: cfg.apiAudiences, serviceAccountKey: cfg.serviceAccountKey, log: cfg.log });
  const served = [...defs, ...auth.reviewDefs];
  const builtinOpenApi = buildOpenApi(served.map((d) => ({ group: d.group, version: d.version, kind: d.kind, plural: d.plural, namespaced: d.namespaced, subresources: d.subresources, verbs: d.verbs })), { version: KUBERNETES_VERSION.gitVersion });
  // Custom resources add their group versions' documents as CRDs come and go.
  let openapi = builtinOpenApi;

  const server = new ApiServer({
    store: cfg.store,
    resources: served,
    codecs: codecsFor(),
    validateMeta: validateMetadata,
    trackFields: (live, next, def, ctx, subresource) => updateManagedFields(live, next, {
      manager: ctx.fieldManager, time: metaTime(), subresource,
      ignoredFields: def.hasStatus ? [subresource === 'status' ? 'spec' : 'status'] : undefined,
    }),
    tls: cfg.tls,
    advertiseAddress: `${cfg.advertiseIP}:${cfg.advertisePort}`,
    auth,
    admission: auth.admission,
    openapi: {
      serve(req, res, url) {
        const r = serveOpenApi(openapi, url.pathname, url.searchParams, { accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'] });
        if (!r) return false;
        res.writeHead(r.status, r.headers);
        res.end(r.body);
        return true;
      },
    },
    hooks: { connect: cfg.connect, issueToken: auth.issueToken },
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
      server.setResources([...served, ...custom]);
      openapi = withDocuments(builtinOpenApi, documents);
    },
    version: KUBERNETES_VERSION.gitVersion,
    log: cfg.log,
  });
  server.onClose(() => customResources.stop());
  server.onClose(() => auth.stop());

  const defByPlural = (group: string, plural: string): ResourceDef => {
    const d = defs.find((x) => x.group === group && x.plural === plural);
    if (!d) throw new Error(`no resource ${group}/${plural}`);
    return d;
  };
  auth.bind(server.registry, defByPlural);

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
      // The default RBAC policy, and the views the authorizers read, before any request.
      await auth.start();
      await customResources.start();
    },
  };
}
