// CustomResourceDefinitions knit installs with a cluster, as upstream publishes them, unchanged:
// network-policy-api's ClusterNetworkPolicy, which the policy component enforces. They are kept
// as the upstream YAML files in ./crds (src/cluster/crds; from dist/ it reads the source tree's).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../kube/types.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The folder of the bundled CRDs: beside this module in the source tree. */
export const CRD_DIR = [join(here, 'crds'), join(here, '../../../src/cluster/crds')].find((d) => existsSync(d)) ?? join(here, 'crds');

/** The CRDs of one bundle (a folder of CRD_DIR), in file order. */
export function bundledCrds(bundle: string): KubeObject[] {
  const dir = join(CRD_DIR, bundle);
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as KubeObject))
    .filter((o) => o?.kind === 'CustomResourceDefinition');
}

/** The bundles a cluster gets at start. */
export const STARTUP_BUNDLES = ['network-policy-api-v0.2.0'];
