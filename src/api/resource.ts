// What the API server needs to know about one kind: its names, its defaulting and validation,
// its table columns, its field selectors and its strategy hooks. One ResourceDef per kind lives in
// src/api/resources/; the generic REST handler (src/api/rest/) does everything else.

import type { FieldError } from '../kube/errors.js';
import type { KubeObject } from '../kube/types.js';
import type { RequestUser } from './http/request-info.js';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0: always shown; 1: shown with -o wide. */
  priority: number;
}

export interface TableDef {
  columns: TableColumn[];
  /** One row's cells, in column order. now: the time the table is printed (for AGE-like columns the server sends a date; see cells in resources/). */
  cells(obj: KubeObject, now: Date): unknown[];
}

export type Subresource = 'status' | 'scale' | 'log' | 'exec' | 'attach' | 'portforward' | 'proxy' | 'binding' | 'eviction' | 'token' | 'ephemeralcontainers' | 'finalize';

/** Context of one write. */
export interface WriteContext {
  /** dryRun=All: validate and admit, but store nothing and allocate nothing for good. */
  dryRun: boolean;
  /** The user name of the caller (for managedFields and audit). */
  user: string;
  /** The caller as authentication established it (groups, extra): for admission that depends on who asks. */
  userInfo?: RequestUser;
  /** The field manager (?fieldManager=, or derived from the user agent). */
  fieldManager: string;
  /** The write comes from server-side apply, which has recorded its managedFields already. */
  applied?: boolean;
  /** Reads the current state of other objects (for cross-object checks such as a namespace being Terminating). */
  get(group: string, plural: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
}

/**
 * Work a strategy reserves before a write lands (IP and port allocation). The registry calls
 * commit() once the write is stored and rollback() when the write fails or is a dry run.
 */
export interface Reservation {
  commit(): void;
  rollback(): void;
}

/** Where a custom resource's scale subresource reads and writes (upstream's CustomResourceSubresourceScale). */
export interface ScalePaths {
  /** ".spec.replicas" */
  specReplicasPath: string;
  /** ".status.replicas" */
  statusReplicasPath: string;
  /** ".status.selector": a label selector in its string form. */
  labelSelectorPath?: string;
}

/** Decoding and patching of a kind served without a compiled-in schema (custom resources, src/api/crd). */
export interface UnstructuredCodec {
  decode(raw: Buffer, contentType: string, fieldValidation: 'Strict' | 'Warn' | 'Ignore'): { object: KubeObject; warnings: string[] };
  patch(live: KubeObject, raw: Buffer, contentType: string, fieldValidation: 'Strict' | 'Warn' | 'Ignore'): { object: KubeObject; warnings: string[] };
  apply(live: KubeObject | undefined, raw: Buffer, opts: { fieldManager: string; force: boolean; fieldValidation: 'Strict' | 'Warn' | 'Ignore' }): { object: KubeObject; warnings: string[] };
}

export interface ResourceDef {
  /** '' for the core group. */
  group: string;
  version: string;
  kind: string;
  listKind?: string;
  /** Lower-case plural, the URL segment: "services". */
  plural: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  namespaced: boolean;
  /** Defaults to every verb. */
  verbs?: string[];
  subresources?: Subresource[];
  /** The object has a status that the main resource ignores and /status writes (upstream's spec/status split). */
  hasStatus?: boolean;
  /** metadata.generation counts spec changes. */
  hasGeneration?: boolean;
  /** metadata.generation also counts status changes (custom resources without a status subresource). */
  generationCountsStatus?: boolean;
  /**
   * The version objects are stored as when it is not `version` (a custom resource served in
   * several versions): writes store that apiVersion, reads show `version`.
   */
  storageVersion?: string;
  /** The OpenAPI schema name: "io.k8s.api.core.v1.Service". */
  schemaName?: string;
  /** Metadata checked as apimachinery's generic ValidateObjectMeta (the apiextensions server's kinds: CRDs, custom resources). */
  genericMetadata?: boolean;
  /** How metadata.name is checked, as upstream's ValidateXName; default DNS-1123 subdomain. */
  nameValidation?: 'dns1123Subdomain' | 'dns1123Label' | 'dns1035Label' | 'pathSegment';

  /** Sets upstream's defaults in place. Called on every create and update before validation. */
  defaults?(obj: KubeObject): void;
  /** Clears or sets what the server owns on create (status, for example). */
  prepareForCreate?(obj: KubeObject): void;
  /** Carries over from old what an update may not change (status on the main resource, spec on /status). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, subresource?: Subresource): void;
  /** Field errors on create; metadata (name, labels, ...) is checked by the registry. */
  validate?(obj: KubeObject): FieldError[];
  /** Field errors on update; includes immutability checks. */
  validateUpdate?(obj: KubeObject, old: KubeObject, subresource?: Subresource): FieldError[];
  /** Async admission with side effects (allocations). Throw ApiError to refuse. */
  admitCreate?(obj: KubeObject, ctx: WriteContext): Promise<Reservation | undefined>;
  admitUpdate?(obj: KubeObject, old: KubeObject, ctx: WriteContext): Promise<Reservation | undefined>;
  /**
   * Warnings for an accepted write of the main resource (upstream's WarningsOnCreate/Update),
   * sent as `Warning:` headers that kubectl prints: what the user should know about the object.
   */
  warnings?(obj: KubeObject): string[];
  /** After a delete is final (the object left the store): release what it held. */
  afterDelete?(obj: KubeObject): void;
  /** Rebuilds in-memory state (allocations) from every stored object at start. */
  restore?(objects: KubeObject[]): void;

  /**
   * A kind that is never stored (upstream's access and token reviews): a create answers with the
   * object this returns (201), computed from the request and who sent it.
   */
  review?(obj: KubeObject, ctx: WriteContext & { namespace?: string }): Promise<KubeObject>;

  /** Server-side printing. */
  table?: TableDef;
  /** Field selector labels beyond metadata.name and metadata.namespace. */
  fieldSelectors?: Record<string, (obj: KubeObject) => string | undefined>;
  /**
   * What a delete without propagationPolicy (or orphanDependents) does to dependents: upstream's
   * DefaultGarbageCollectionPolicy. Unset: Background; batch/v1 Jobs keep their old Orphan.
   */
  defaultPropagationPolicy?: 'Orphan';
  /** Graceful deletion: default grace period in seconds (pods). */
  defaultGracePeriod?(obj: KubeObject): number | undefined;
  /** On the first delete of an object: what it must wait for (finalizers) and show (conditions) while it goes. */
  prepareForDelete?(obj: KubeObject): void;
  /** Every object read from the store, as served (custom resources: defaults of the current schema). */
  fromStorage?(obj: KubeObject): void;
  /** `Warning:` headers for every request to this kind (a deprecated custom resource version). */
  requestWarnings?: string[];
  /** The scale subresource's paths when they are not spec.replicas/status.replicas/spec.selector. */
  scale?: ScalePaths;
  /** Custom resources: decoding and patching without a compiled-in schema. */
  unstructured?: UnstructuredCodec;
}
