// The daemon's metrics in the Prometheus text exposition format (version 0.0.4), without a client library:
// a handful of labelled gauges and counters kept in memory, rendered on each scrape.
export type MetricType = 'gauge' | 'counter';
export type Labels = Record<string, string>;

interface Family {
  help: string;
  type: MetricType;
  samples: Map<string, { labels: Labels; value: number }>;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class Metrics {
  readonly #families = new Map<string, Family>();

  /** Declares a metric (its HELP and TYPE lines are printed even before it has a sample). */
  define(name: string, type: MetricType, help: string): void {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`not a Prometheus metric name: ${name}`);
    if (type === 'counter' && !name.endsWith('_total')) throw new Error(`a counter's name ends in _total: ${name}`);
    if (!this.#families.has(name)) this.#families.set(name, { help, type, samples: new Map() });
  }

  set(name: string, labels: Labels, value: number): void {
    const family = this.#family(name);
    family.samples.set(labelKey(labels), { labels, value });
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    const family = this.#family(name);
    if (family.type !== 'counter') throw new Error(`${name} is a gauge: use set()`);
    if (by < 0) throw new Error(`a counter only goes up; got inc(${name}, ${by})`);
    const key = labelKey(labels);
    const sample = family.samples.get(key);
    if (sample) sample.value += by;
    else family.samples.set(key, { labels, value: by });
  }

  get(name: string, labels: Labels = {}): number | undefined {
    return this.#family(name).samples.get(labelKey(labels))?.value;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, family] of this.#families) {
      lines.push(`# HELP ${name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      lines.push(`# TYPE ${name} ${family.type}`);
      for (const { labels, value } of family.samples.values()) lines.push(`${name}${renderLabels(labels)} ${renderValue(value)}`);
    }
    return lines.join('\n') + '\n';
  }

  #family(name: string): Family {
    const family = this.#families.get(name);
    if (!family) throw new Error(`metric ${name} is not defined`);
    return family;
  }
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function renderLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

function renderValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
