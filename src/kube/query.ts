// Query parameters as upstream converts them into its option structs (url.Values -> ListOptions,
// DeleteOptions, PodLogOptions, ...: k8s.io/apimachinery's runtime.Convert_Slice_string_To_*),
// shared by the API server and the node agent (the kubelet decodes its query the same way).
//
// - Booleans: the first value; absent, "0" or "false" in any case is false, anything else
//   (True, 1, yes, and even an empty value) is true. The one exception is `pretty`, read with
//   strconv.ParseBool (see parseGoBool).
// - Integers: strconv.ParseInt(s, 10, 64); its error text is the answer (400 upstream).

import { goQuote } from './errors.js';

/** A value the conversion refused; the API server answers it as 400 with this message. */
export class QueryParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryParamError';
  }
}

/** runtime.Convert_Slice_string_To_bool: only "0" and "false" (any case) are false. */
export function goQueryBool(value: string): boolean {
  return !(value === '0' || value.toLowerCase() === 'false');
}

/** A boolean parameter; false when absent. */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === null ? false : goQueryBool(v);
}

/** A *bool parameter: undefined when absent. */
export function queryOptionalBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  return v === null ? undefined : goQueryBool(v);
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** strconv.ParseInt(s, 10, 64), throwing its error text. */
export function parseGoInt64(text: string): number {
  if (!/^[+-]?[0-9]+$/.test(text)) throw new QueryParamError(`strconv.ParseInt: parsing ${goQuote(text)}: invalid syntax`);
  const n = BigInt(text);
  if (n > INT64_MAX || n < INT64_MIN) throw new QueryParamError(`strconv.ParseInt: parsing ${goQuote(text)}: value out of range`);
  return Number(n);
}

/** An int64 (or *int64) parameter: undefined when absent. */
export function queryInt64(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  return v === null ? undefined : parseGoInt64(v);
}

/** strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False; undefined for anything else. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/** strconv.ParseUint(s, 10, 16), throwing its error text. */
export function parseGoUint16(text: string): number {
  if (!/^[0-9]+$/.test(text)) throw new QueryParamError(`strconv.ParseUint: parsing ${goQuote(text)}: invalid syntax`);
  const n = Number(text);
  if (n > 0xffff) throw new QueryParamError(`strconv.ParseUint: parsing ${goQuote(text)}: value out of range`);
  return n;
}

/** metav1's Convert_Slice_string_To_Slice_int32 (PodPortForwardOptions.ports): "80,8080" and repeated values. */
export function queryPorts(q: URLSearchParams, name = 'ports'): number[] {
  const ports: number[] = [];
  for (const value of q.getAll(name)) {
    for (const part of value.split(',')) {
      try {
        ports.push(parseGoUint16(part));
      } catch (err) {
        throw new QueryParamError(`cannot convert to []int32: ${(err as Error).message}`);
      }
    }
  }
  return ports;
}

/** metav1.Time from a query value (RFC 3339, as Convert_Slice_string_To_Pointer_v1_Time parses it). */
export function parseQueryTime(text: string): Date {
  // time.Parse(time.RFC3339, ...): a date, "T", a time with optional fraction, and a zone.
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  const d = m ? new Date(text) : undefined;
  if (!d || Number.isNaN(d.getTime())) {
    throw new QueryParamError(`parsing time ${goQuote(text)} as ${goQuote('2006-01-02T15:04:05Z07:00')}: cannot parse ${goQuote(text)} as ${goQuote('2006')}`);
  }
  return d;
}

/** PodLogOptions as the API server and the kubelet decode them from a pods/log or containerLogs query. */
export interface PodLogQuery {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  sinceTime?: Date;
  tailLines?: number;
  limitBytes?: number;
}

/** Decodes PodLogOptions from a query; throws QueryParamError with upstream's conversion errors. */
export function podLogQuery(q: URLSearchParams): PodLogQuery {
  // An empty or "null" time is the zero time, which counts as none.
  const sinceTime = q.get('sinceTime') || null;
  return {
    container: q.get('container') ?? undefined,
    follow: queryBool(q, 'follow'),
    previous: queryBool(q, 'previous'),
    timestamps: queryBool(q, 'timestamps'),
    sinceSeconds: queryInt64(q, 'sinceSeconds'),
    sinceTime: sinceTime === null || sinceTime === 'null' ? undefined : parseQueryTime(sinceTime),
    tailLines: queryInt64(q, 'tailLines'),
    limitBytes: queryInt64(q, 'limitBytes'),
  };
}

/** The query the API server sends the kubelet for a log request (upstream's LogLocation). */
export function podLogQueryString(o: PodLogQuery): URLSearchParams {
  const q = new URLSearchParams();
  if (o.follow) q.set('follow', 'true');
  if (o.previous) q.set('previous', 'true');
  if (o.timestamps) q.set('timestamps', 'true');
  if (o.sinceSeconds !== undefined) q.set('sinceSeconds', String(o.sinceSeconds));
  if (o.sinceTime) q.set('sinceTime', o.sinceTime.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (o.tailLines !== undefined) q.set('tailLines', String(o.tailLines));
  if (o.limitBytes !== undefined) q.set('limitBytes', String(o.limitBytes));
  return q;
}
