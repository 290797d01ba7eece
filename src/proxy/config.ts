// The part of a KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1, the ConfigMap
// kube-system/kube-proxy's config.conf) that knit's kube-proxy uses, defaulted as upstream does:
// the mode, the cluster CIDR, and the sync periods of the chosen mode's section (0 or missing means
// upstream's defaults, 1s and 30s).

import { parse as parseYaml } from 'yaml';

export interface KubeProxyConfig {
  /** "", "iptables", "nftables" or "ipvs" (refused later, with the reason). */
  mode: string;
  clusterCIDR?: string;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
}

const DEFAULT_MIN_SYNC_MS = 1000;
const DEFAULT_SYNC_MS = 30_000;

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("0s", "100ms", "1m30s") in milliseconds; Go's error for anything else. */
export function parseGoDuration(text: string): number {
  if (text === '0') return 0;
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text);
  if (!m) throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
  let ms = 0;
  for (const part of text.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) ms += Number(part[1]) * UNITS[part[2]];
  return m[1] === '-' ? -ms : ms;
}

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
