// Cell formatting shared by the printers, with upstream's exact rules: ages as
// k8s.io/apimachinery/pkg/util/duration.HumanDuration, label maps as labels.FormatLabels, label
// selectors as metav1.FormatLabelSelector, and the "a,b,c + N more..." lists.

import type { Container, KubeObject, LabelSelector } from '../../kube/types.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Go's integer conversion truncates toward zero. */
const trunc = Math.trunc;

/** A duration in milliseconds as upstream's HumanDuration prints it: "5s", "3m10s", "10m", "3h5m", "2d", "2y1d". */
export function humanDuration(ms: number): string {
  const seconds = trunc(ms / SECOND);
  // Upstream tolerates up to 2s of clock skew as "now".
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${trunc(hours / 24)}d` : `${trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = trunc(hours / 24) % 365;
    const years = trunc(hours / 24 / 365);
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${trunc(hours / 24 / 365)}y`;
}

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined when absent (Go's zero time) or unreadable. */
export function timestampMillis(ts: string | null | undefined): number | undefined {
  if (!ts) return undefined;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The age at `now` of a moment given in ms since the epoch; "<unknown>" when there is none. */
export function ageOf(ms: number | undefined, now: Date): string {
  return ms === undefined ? '<unknown>' : humanDuration(now.getTime() - ms);
}

/** Upstream's translateTimestampSince: the age of a timestamp at `now`, "<unknown>" when it is not set. */
export function translateTimestampSince(ts: string | null | undefined, now: Date): string {
  return ageOf(timestampMillis(ts), now);
}

/** The AGE cell: the object's age at `now`. */
export function creationAge(obj: KubeObject, now: Date): string {
  return translateTimestampSince(obj.metadata.creationTimestamp, now);
}

/** Go's sort.Strings order (byte order; label keys and values are ASCII). */
export function goSort(list: string[]): string[] {
  return list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** labels.FormatLabels: "k1=v1,k2=v2" sorted, "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | null | undefined): string {
  const pairs = goSort(Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`));
  return pairs.length ? pairs.join(',') : '<none>';
}

const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (!prefix || prefix.length > 253 || !dns1123Subdomain.test(prefix)) return false;
  }
  return name.length > 0 && name.length <= 63 && qualifiedNamePart.test(name);
}

function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && qualifiedNamePart.test(value));
}

/**
 * The string of metav1.LabelSelectorAsSelector(sel): requirements sorted by key, "k=v", "k in (a,b)",
 * "k notin (a,b)", "k", "!k"; "" for a nil or empty selector; an Error where upstream's conversion fails.
 */
export function labelSelectorString(sel: LabelSelector | null | undefined): string | Error {
  if (!sel) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    if (!isQualifiedName(key) || !isLabelValue(value)) return new Error(`invalid label requirement ${key}=${value}`);
    reqs.push({ key, text: `${key}=${value}` });
  }
  for (const expr of sel.matchExpressions ?? []) {
    const values = expr.values ?? [];
    if (!isQualifiedName(expr.key) || !values.every(isLabelValue)) return new Error(`invalid label requirement on ${expr.key}`);
    const list = `(${goSort([...values]).join(',')})`;
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) return new Error('for \'in\', \'notin\' operators, values set can\'t be empty');
        reqs.push({ key: expr.key, text: `${expr.key} ${expr.operator === 'In' ? 'in' : 'notin'} ${list}` });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length !== 0) return new Error('values set must be empty for exists and does not exist');
        reqs.push({ key: expr.key, text: expr.operator === 'Exists' ? expr.key : `!${expr.key}` });
        break;
      default:
        return new Error(`"${String(expr.operator)}" is not a valid label selector operator`);
    }
  }
  // Upstream sorts requirements by key only; a stable sort keeps matchLabels before expressions on ties.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: the selector string, "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(sel: LabelSelector | null | undefined): string {
  const s = labelSelectorString(sel);
  if (s instanceof Error) return '<error>';
  return s || '<none>';
}

/** Upstream's layoutContainerCells: container names and images, each comma-joined. */
export function layoutContainerCells(containers: Container[] | undefined): [names: string, images: string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** Upstream's listWithMoreString: at most `max` entries, then " + N more...", "<unset>" when empty. */
export function listWithMore(items: string[], max = 3): string {
  const shown = items.slice(0, max).join(',');
  if (items.length > max) return `${shown} + ${items.length - max} more...`;
  return shown || '<unset>';
}

/** Go's net.JoinHostPort: IPv6 addresses in brackets. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The sorted, de-duplicated IPs (or hostnames) of load-balancer ingress points, comma-joined. */
export function loadBalancerIngress(ingress: { ip?: string; hostname?: string }[] | undefined): string {
  const set = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return goSort([...set]).join(',');
}
