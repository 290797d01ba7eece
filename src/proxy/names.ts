// Chain, set and map names, hashed exactly as upstream kube-proxy hashes them, so that a user
// comparing `iptables-save` or `nft list table ip kube-proxy` with upstream documentation sees
// the same names (KUBE-SVC-XPGD46QRK7WJZT7O, service-ULMVA6XW-ns1/svc1/tcp/p80, ...).

import { createHash } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 with padding (Go's base32.StdEncoding). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

function sha256Base32(text: string): string {
  return base32(createHash('sha256').update(text).digest());
}

// ---- iptables ----

export const IPT_SVC_PREFIX = 'KUBE-SVC-';
export const IPT_SVL_PREFIX = 'KUBE-SVL-';
export const IPT_EXT_PREFIX = 'KUBE-EXT-';
export const IPT_FW_PREFIX = 'KUBE-FW-';
export const IPT_SEP_PREFIX = 'KUBE-SEP-';
const IPT_SERVICE_PREFIXES = [IPT_SVC_PREFIX, IPT_SVL_PREFIX, IPT_EXT_PREFIX, IPT_FW_PREFIX, IPT_SEP_PREFIX];

/**
 * The 16-character hash that names one service port's chains: base32(sha256(name + protocol)).
 * `servicePortName` is "ns/svc:port" ("ns/svc" when the port is unnamed); protocol is lower case.
 */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return sha256Base32(servicePortName + protocol).slice(0, 16);
}

export interface IptablesServiceChains {
  svc: string;
  svl: string;
  ext: string;
  fw: string;
}

export function iptablesServiceChains(servicePortName: string, protocol: string): IptablesServiceChains {
  const hash = portProtoHash(servicePortName, protocol);
  return { svc: IPT_SVC_PREFIX + hash, svl: IPT_SVL_PREFIX + hash, ext: IPT_EXT_PREFIX + hash, fw: IPT_FW_PREFIX + hash };
}

/** KUBE-SEP-<hash of name + protocol + "ip:port">. */
export function iptablesEndpointChain(servicePortName: string, protocol: string, endpoint: string): string {
  return IPT_SEP_PREFIX + sha256Base32(servicePortName + protocol + endpoint).slice(0, 16);
}

/** True for the per-service chains kube-proxy owns and may delete when stale. */
export function isIptablesServiceChain(chain: string): boolean {
  return IPT_SERVICE_PREFIXES.some((p) => chain.startsWith(p));
}

// ---- nftables ----

export const NFT_SERVICE_PREFIX = 'service-';
export const NFT_LOCAL_PREFIX = 'local-';
export const NFT_EXTERNAL_PREFIX = 'external-';
export const NFT_FIREWALL_PREFIX = 'firewall-';
export const NFT_ENDPOINT_PREFIX = 'endpoint-';
export const NFT_AFFINITY_PREFIX = 'affinity-';

// nft names are at most 256 characters; the longest prefix above is 16 with its hyphen.
const NFT_NAME_BASE_MAX = 256 - 16;

/** "<8 chars of base32(sha256(name))>-<name>", truncated with "..." past 240 characters. */
export function hashAndTruncate(name: string): string {
  const full = `${sha256Base32(name).slice(0, 8)}-${name}`;
  return full.length > NFT_NAME_BASE_MAX ? full.slice(0, NFT_NAME_BASE_MAX - 3) + '...' : full;
}

export interface NftServiceChains {
  service: string;
  local: string;
  external: string;
  firewall: string;
}

/** Chains of one service port: "<prefix>HASH-ns/svc/proto/port". */
export function nftServiceChains(namespace: string, name: string, protocol: string, portName: string): NftServiceChains {
  const base = hashAndTruncate(`${namespace}/${name}/${protocol}/${portName}`);
  return {
    service: NFT_SERVICE_PREFIX + base,
    local: NFT_LOCAL_PREFIX + base,
    external: NFT_EXTERNAL_PREFIX + base,
    firewall: NFT_FIREWALL_PREFIX + base,
  };
}

/** Endpoint chain and affinity set of one endpoint: "<prefix>HASH-ns/svc/proto/port__ip/port". */
export function nftEndpointNames(namespace: string, name: string, protocol: string, portName: string, ip: string, port: number): { chain: string; affinitySet: string } {
  const base = hashAndTruncate(`${namespace}/${name}/${protocol}/${portName}__${ip.replaceAll(':', '.')}/${port}`);
  return { chain: NFT_ENDPOINT_PREFIX + base, affinitySet: NFT_AFFINITY_PREFIX + base };
}

/** Per-service chains always contain a "/", which none of the fixed chains do. */
export function isNftServiceChain(chain: string): boolean {
  return chain.includes('/');
}

export function isNftAffinitySet(set: string): boolean {
  return set.startsWith(NFT_AFFINITY_PREFIX);
}
