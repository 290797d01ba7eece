// A small Prometheus registry (text exposition format 0.0.4) and the metrics CoreDNS exports
// under the same names and labels, so dashboards and alerts written for CoreDNS work unchanged.

type LabelValues = readonly string[];

abstract class Metric {
  constructor(readonly name: string, readonly help: string, readonly type: string, readonly labelNames: readonly string[]) {}
  abstract lines(): string[];

  protected labelText(values: LabelValues, extra = ''): string {
    const parts = this.labelNames.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
    if (extra) parts.push(extra);
    return parts.length ? `{${parts.join(',')}}` : '';
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

const SEP = '\u0000';

/** One labelled value of a counter or gauge; hot paths keep it to skip the label look-up. */
export interface CounterSeries { readonly labels: LabelValues; value: number }

export class Counter extends Metric {
  private readonly values = new Map<string, CounterSeries>();

  constructor(name: string, help: string, labelNames: readonly string[] = [], type = 'counter') {
    super(name, help, type, labelNames);
  }

  series(labels: LabelValues = []): CounterSeries {
    const key = labels.join(SEP);
    let s = this.values.get(key);
    if (!s) {
      s = { labels: [...labels], value: 0 };
      this.values.set(key, s);
    }
    return s;
  }

  inc(labels: LabelValues = [], by = 1): void {
    this.series(labels).value += by;
  }

  get(labels: LabelValues = []): number {
    return this.values.get(labels.join(SEP))?.value ?? 0;
  }

  lines(): string[] {
    return [...this.values.values()].map((v) => `${this.name}${this.labelText(v.labels)} ${v.value}`);
  }
}

export class Gauge extends Counter {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'gauge');
  }

  set(labels: LabelValues, value: number): void {
    this.inc(labels, value - this.get(labels));
  }
}

/** One labelled series of a histogram. */
export class HistogramSeries {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly labels: LabelValues, private readonly buckets: readonly number[]) {
    this.counts = new Array(buckets.length).fill(0);
  }

  observe(value: number): void {
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) if (value <= b[i]) { this.counts[i]++; break; }
    this.sum += value;
    this.count++;
  }
}

export class Histogram extends Metric {
  private readonly all = new Map<string, HistogramSeries>();

  constructor(name: string, help: string, labelNames: readonly string[], readonly buckets: readonly number[]) {
    super(name, help, 'histogram', labelNames);
  }

  series(labels: LabelValues): HistogramSeries {
    const key = labels.join(SEP);
    let s = this.all.get(key);
    if (!s) {
      s = new HistogramSeries([...labels], this.buckets);
      this.all.set(key, s);
    }
    return s;
  }

  observe(labels: LabelValues, value: number): void {
    this.series(labels).observe(value);
  }

  lines(): string[] {
    const out: string[] = [];
    for (const s of this.all.values()) {
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += s.counts[i];
        out.push(`${this.name}_bucket${this.labelText(s.labels, `le="${b}"`)} ${cumulative}`);
      });
      out.push(`${this.name}_bucket${this.labelText(s.labels, 'le="+Inf"')} ${s.count}`);
      out.push(`${this.name}_sum${this.labelText(s.labels)} ${s.sum}`);
      out.push(`${this.name}_count${this.labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** CoreDNS's duration buckets: 0.25 ms doubling to 8 s. */
const TIME_BUCKETS = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);
const SIZE_BUCKETS = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];

/** Every metric knit's DNS server exports, by CoreDNS's names. */
export class DnsMetrics {
  readonly requests = new Counter('coredns_dns_requests_total', 'Counter of DNS requests made per zone, protocol and family.', ['server', 'zone', 'view', 'proto', 'family', 'type']);
  readonly responses = new Counter('coredns_dns_responses_total', 'Counter of response status codes.', ['server', 'zone', 'view', 'rcode', 'plugin']);
  readonly duration = new Histogram('coredns_dns_request_duration_seconds', 'Histogram of the time (in seconds) each request took per zone.', ['server', 'zone', 'view', 'type'], TIME_BUCKETS);
  readonly requestSize = new Histogram('coredns_dns_request_size_bytes', 'Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.', ['server', 'zone', 'view', 'proto'], SIZE_BUCKETS);
  readonly responseSize = new Histogram('coredns_dns_response_size_bytes', 'Size of the returned response in bytes.', ['server', 'zone', 'view', 'proto'], SIZE_BUCKETS);
  readonly doRequests = new Counter('coredns_dns_do_requests_total', 'Counter of DNS requests with DO bit set per zone.', ['server', 'zone', 'view']);
  readonly panics = new Counter('coredns_panics_total', 'A metrics that counts the number of panics.');
  readonly cacheEntries = new Gauge('coredns_cache_entries', 'The number of elements in the cache.', ['server', 'type', 'zones', 'view']);
  readonly cacheHits = new Counter('coredns_cache_hits_total', 'The count of cache hits.', ['server', 'type', 'zones', 'view']);
  readonly cacheMisses = new Counter('coredns_cache_misses_total', 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.', ['server', 'zones', 'view']);
  readonly cacheRequests = new Counter('coredns_cache_requests_total', 'The count of cache requests.', ['server', 'zones', 'view']);
  readonly cacheEvictions = new Counter('coredns_cache_evictions_total', 'The count of cache evictions.', ['server', 'type', 'zones', 'view']);
  readonly forwardRejects = new Counter('coredns_forward_max_concurrent_rejects_total', 'Counter of the number of queries rejected because the concurrent queries were at maximum.');
  readonly proxyDuration = new Histogram('coredns_proxy_request_duration_seconds', 'Histogram of the time each request took.', ['proxy_name', 'to', 'rcode'], TIME_BUCKETS);
  readonly reloadFailed = new Counter('coredns_reload_failed_total', 'Counter of the number of failed reload attempts.');
  readonly pluginEnabled = new Gauge('coredns_plugin_enabled', 'A metric that indicates whether a plugin is enabled on per server and zone basis.', ['server', 'zone', 'view', 'name']);

  private all(): Metric[] {
    return Object.values(this).filter((m): m is Metric => m instanceof Metric);
  }

  /** The text exposition of every metric that has a value. */
  render(): string {
    const out: string[] = [];
    for (const m of this.all()) {
      const lines = m.lines();
      if (m.labelNames.length === 0 && lines.length === 0 && m instanceof Counter) lines.push(`${m.name} 0`);
      if (!lines.length) continue;
      out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...lines);
    }
    return out.join('\n') + '\n';
  }
}

/** Query types CoreDNS reports by name; every other type is "other". */
const MONITORED_TYPES = new Map<number, string>([[1, 'A'], [28, 'AAAA'], [15, 'MX'], [6, 'SOA'], [5, 'CNAME'], [12, 'PTR'],
  [16, 'TXT'], [2, 'NS'], [33, 'SRV'], [43, 'DS'], [48, 'DNSKEY'], [46, 'RRSIG'], [47, 'NSEC'], [50, 'NSEC3'], [65, 'HTTPS'],
  [251, 'IXFR'], [252, 'AXFR'], [255, 'ANY']]);

export function metricType(type: number): string {
  return MONITORED_TYPES.get(type) ?? 'other';
}
