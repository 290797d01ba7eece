// Counters with labels, written in the Prometheus text format under the kubelet's metric names.

export class Counters {
  private readonly values = new Map<string, Map<string, number>>();

  constructor(private readonly help: Record<string, string>) {}

  inc(name: string, labels: Record<string, string> = {}): void {
    const key = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
    const series = this.values.get(name) ?? new Map<string, number>();
    series.set(key, (series.get(key) ?? 0) + 1);
    this.values.set(name, series);
  }

  /** The counters, then the given gauges, as Prometheus exposition text. */
  render(gauges: Record<string, { help: string; series: [Record<string, string>, number][] }> = {}): string {
    const lines: string[] = [];
    const series = (name: string, key: string, value: number) => lines.push(`${name}${key ? `{${key}}` : ''} ${value}`);
    for (const [name, help] of Object.entries(this.help)) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [key, value] of this.values.get(name) ?? []) series(name, key, value);
    }
    for (const [name, g] of Object.entries(gauges)) {
      lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`);
      for (const [labels, value] of g.series) series(name, Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(','), value);
    }
    return `${lines.join('\n')}\n`;
  }
}
