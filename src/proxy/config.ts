// The part of a KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1, the ConfigMap
// kube-system/kube-proxy's config.conf) that knit's kube-proxy uses, defaulted as upstream does:
// the mode, the cluster CIDR, and the sync periods of the chosen mode's section (0 or missing means
// upstream's defaults, 1s and 30s).

import { parse as parseYaml } from 'yaml';
import { parseGoDuration } from '../common/go-duration.js';

export { parseGoDuration };

export interface KubeProxyConfig {
  /** "", "iptables", "nftables" or "ipvs" (refused later, with the reason). */
  mode: string;
  clusterCIDR?: string;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
}

const DEFAULT_MIN_SYNC_MS = 1000;
const DEFAULT_SYNC_MS = 30_000;

interface Section {
  minSyncPeriod?: string;
  syncPeriod?: string;
}

function duration(section: Section | undefined, field: keyof Section, name: string, fallback: number): number {
  const value = section?.[field];
  if (value === undefined || value === null || value === '') return fallback;
  let ms: number;
  try {
    ms = parseGoDuration(String(value));
  } catch (err) {
    throw new Error(`KubeProxyConfiguration.${name}.${field}: ${(err as Error).message}`);
  }
  if (ms < 0) throw new Error(`KubeProxyConfiguration.${name}.${field}: Invalid value: ${JSON.stringify(value)}: must be greater than or equal to 0`);
  return ms === 0 ? fallback : ms;
}

/** The configuration in config.conf (an absent ConfigMap or key: every default). */
export function parseKubeProxyConfiguration(text: string | undefined): KubeProxyConfig {
  const doc = (text ? parseYaml(text) : null) as { mode?: string; clusterCIDR?: string; iptables?: Section; nftables?: Section } | null;
  const mode = doc?.mode ?? '';
  const [name, section] = mode === 'nftables' ? ['NFTables', doc?.nftables] : ['IPTables', doc?.iptables];
  return {
    mode,
    clusterCIDR: doc?.clusterCIDR || undefined,
    minSyncPeriodMs: duration(section, 'minSyncPeriod', name, DEFAULT_MIN_SYNC_MS),
    syncPeriodMs: duration(section, 'syncPeriod', name, DEFAULT_SYNC_MS),
  };
}
