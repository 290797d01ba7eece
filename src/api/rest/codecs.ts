// The pluggable parts of request handling: body decoding, patching and table printing.

import type { ResourceDef } from '../resource.js';
import type { KubeObject } from '../../kube/types.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface Decoded {
  object: KubeObject;
  warnings: string[];
}

export interface PatchOptions {
  fieldValidation: FieldValidation;
  fieldManager: string;
  force: boolean;
}

export interface TableOptions {
  now: Date;
  includeObject: 'None' | 'Metadata' | 'Object';
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  /** Leave out columnDefinitions (watch events after the first). */
  noHeaders?: boolean;
}

export interface ApiCodecs {
  /** Decodes a create/update body (JSON or YAML), checking fields as fieldValidation asks. */
  decode(raw: Buffer, contentType: string, def: ResourceDef, fieldValidation: FieldValidation): Decoded;
  /** Applies a JSON, merge or strategic merge patch to the live object. */
  patch(live: KubeObject, raw: Buffer, contentType: string, def: ResourceDef, opts: PatchOptions): Decoded;
  /** Server-side apply: the applied configuration merged into live (undefined: create). */
  apply(live: KubeObject | undefined, raw: Buffer, def: ResourceDef, opts: PatchOptions): Decoded;
  /** A meta.k8s.io/v1 Table of objects. */
  table(def: ResourceDef, objects: KubeObject[], opts: TableOptions): Record<string, unknown>;
}
