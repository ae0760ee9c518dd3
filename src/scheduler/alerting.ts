// The daemon's detections and delivery (issue 12): after each model refresh the enabled rules are evaluated
// (detections.md §3), then the outbox is delivered; a delivery loop on its own timer retries due rows, so a
// failing destination is retried without waiting for new data and never holds up a sync or another
// destination. Metrics: evaluations, alerts per rule and level, deliveries and failures per destination.
import type { Logger } from '../api/index.js';
import { openAlertsDb, type OpenAlertsDb } from '../delivery/alerts-db.js';
import type { DestinationConfig } from '../delivery/config.js';
import { senderFor } from '../delivery/destinations/index.js';
import type { RuleInfo } from '../delivery/document.js';
import { type DeliveryReport, type Destination, type DestinationReport, deliverOutbox } from '../delivery/outbox.js';
import type { DetectionsConfig } from '../detections/config.js';
import { type EvaluationReport, evaluateDetections } from '../detections/evaluate.js';
import type { Rule } from '../detections/rules.js';
import type { Metrics } from './metrics.js';

/** How often the delivery loop looks for due outbox rows. */
export const DEFAULT_DELIVERY_INTERVAL_MS = 2_000;

export interface AlertingOptions {
  dataDir: string;
  /** null: no evaluation (the daemon only delivers what is already queued). */
  detections: { config: DetectionsConfig; rules: readonly Rule[] } | null;
  destinations: readonly DestinationConfig[];
  metrics: Metrics;
  log: Logger;
  intervalMs?: number;
  fetch?: typeof fetch;
}

export interface AlertingStatus {
  evaluations: number;
  lastEvaluatedAt: string | null;
  lastEvaluationMs: number | null;
  lastError: string | null;
  /** Enabled rules (empty when detections are off). */
  rules: number;
  /** Per destination, as of the last delivery pass. */
  destinations: DestinationReport[];
  orphaned: DeliveryReport['orphaned'];
}

export interface Alerting {
  /** Evaluates after a successful refresh and starts a delivery pass; returns counts for the job's log line. */
  afterRefresh(job: string): Promise<Record<string, unknown>>;
  /** Starts a delivery pass now (or right after the running one). */
  deliverSoon(): void;
  status(): AlertingStatus;
  /** Stops the loop, cuts attempts in flight (their rows stay pending) and closes the alert store. */
  close(): Promise<void>;
}

export function defineAlertingMetrics(m: Metrics): void {
  m.define('compliance_lake_detection_evaluations_total', 'counter', 'Detection evaluations after a model refresh, by result (success, partial: some rules failed, failed).');
  m.define('compliance_lake_detection_evaluation_duration_seconds', 'gauge', 'Duration of the last detection evaluation.');
  m.define('compliance_lake_detection_rule_errors_total', 'counter', 'Rule evaluations that failed, by rule.');
  m.define('compliance_lake_alerts_created_total', 'counter', 'New alerts found by this process, by rule and level (historical: retro hunt).');
  m.define('compliance_lake_alert_deliveries_total', 'counter', 'Delivery attempts by destination and result (delivered, failed).');
  m.define('compliance_lake_alert_delivery_pending', 'gauge', 'Alerts not yet accepted by the destination.');
  m.define('compliance_lake_alert_destination_failing', 'gauge', '1 while the destination has been failing for more than 15 minutes.');
  m.define('compliance_lake_alert_delivery_last_success_timestamp_seconds', 'gauge', 'When the destination last accepted an alert (Unix seconds).');
}

export function startAlerting(options: AlertingOptions): Alerting {
  const { dataDir, metrics, log } = options;
  const intervalMs = options.intervalMs ?? DEFAULT_DELIVERY_INTERVAL_MS;
  const rules = options.detections?.rules ?? [];
  const ruleInfo = new Map<string, RuleInfo>(rules.map((r) => [r.id, { title: r.title, mitre: r.mitre }]));
  const levels = new Map(rules.map((r) => [r.id, r.level]));
  const destinations: Destination[] = options.destinations.map((config) => ({ config, sender: senderFor(config, { fetch: options.fetch }) }));
  const filters = options.destinations.map((d) => ({ name: d.name, minLevel: d.minLevel, rules: d.rules }));
  const cut = new AbortController();
  const status: AlertingStatus = {
    evaluations: 0,
    lastEvaluatedAt: null,
    lastEvaluationMs: null,
    lastError: null,
    rules: options.detections?.config.enabled.length ?? 0,
    destinations: [],
    orphaned: [],
  };
  const failing = new Set<string>();
  let store: OpenAlertsDb | null = null;
  let closed = false;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let orphansLogged = false;

  const pass = async (): Promise<void> => {
    store ??= openAlertsDb(dataDir);
    const report = await deliverOutbox({ db: store.db, destinations, logger: log, signal: cut.signal, rules: ruleInfo });
    status.destinations = report.destinations;
    status.orphaned = report.orphaned;
    if (report.orphaned.length && !orphansLogged) {
      orphansLogged = true;
      log.warn({ orphaned: report.orphaned }, 'delivery: alerts are queued for destinations no longer in the config file; they are kept and delivered if the destination comes back');
    }
    for (const d of report.destinations) {
      const labels = { destination: d.destination };
      if (d.delivered) metrics.inc('compliance_lake_alert_deliveries_total', { ...labels, result: 'delivered' }, d.delivered);
      if (d.failed) metrics.inc('compliance_lake_alert_deliveries_total', { ...labels, result: 'failed' }, d.failed);
      metrics.set('compliance_lake_alert_delivery_pending', labels, d.pending);
      metrics.set('compliance_lake_alert_destination_failing', labels, d.failing ? 1 : 0);
      if (d.lastDeliveredAt) metrics.set('compliance_lake_alert_delivery_last_success_timestamp_seconds', labels, Date.parse(d.lastDeliveredAt) / 1000);
      if (d.delivered) log.info({ destination: d.destination, delivered: d.delivered, pending: d.pending }, 'delivery: alerts accepted');
      if (d.failing && !failing.has(d.destination)) {
        failing.add(d.destination);
        log.error(
          { destination: d.destination, failing_since: new Date(d.failingSince!).toISOString(), pending: d.pending, error: d.lastError },
          'delivery: the destination has been failing for more than 15 minutes; its alerts are kept and retried, the other destinations go on',
        );
      } else if (!d.failing && failing.has(d.destination)) {
        failing.delete(d.destination);
        log.info({ destination: d.destination, pending: d.pending }, 'delivery: the destination accepts alerts again');
      }
    }
  };

  const schedule = () => {
    if (closed || destinations.length === 0) return;
    timer = setTimeout(() => deliverSoon(), intervalMs);
    timer.unref();
  };

  const deliverSoon = (): void => {
    if (closed || destinations.length === 0) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    timer = null;
    running = pass()
      .catch((err: unknown) => log.error({ error: err instanceof Error ? err.message : String(err) }, 'delivery: the pass failed; retrying on the next tick'))
      .finally(() => {
        running = null;
        if (again && !closed) {
          again = false;
          deliverSoon();
        } else schedule();
      });
  };

  const afterRefresh = async (job: string): Promise<Record<string, unknown>> => {
    if (options.detections && !closed) {
      const started = Date.now();
      let report: EvaluationReport | null = null;
      try {
        report = await evaluateDetections({ dataDir, config: options.detections.config, rules: options.detections.rules, destinations: filters });
        status.lastError = report.failed ? report.rules.filter((r) => r.error).map((r) => r.error).join('; ') : null;
      } catch (err) {
        status.lastError = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      }
      const ms = Date.now() - started;
      status.evaluations++;
      status.lastEvaluatedAt = new Date().toISOString();
      status.lastEvaluationMs = ms;
      metrics.set('compliance_lake_detection_evaluation_duration_seconds', {}, ms / 1000);
      metrics.inc('compliance_lake_detection_evaluations_total', { result: !report ? 'failed' : report.failed ? 'partial' : 'success' });
      if (!report) {
        log.error({ job, error: status.lastError }, 'detections: evaluation failed; the next refresh tries again from the same place');
        deliverSoon();
        return { detections: 'failed', detections_ms: ms };
      }
      for (const r of report.rules) {
        if (r.error) {
          metrics.inc('compliance_lake_detection_rule_errors_total', { rule: r.ruleId });
          log.error({ job, rule: r.ruleId, error: r.error }, 'detections: a rule failed; the others ran, and it is evaluated again from the same place next time');
        }
        if (r.created) metrics.inc('compliance_lake_alerts_created_total', { rule: r.ruleId, level: levels.get(r.ruleId) ?? 'unknown', historical: String(r.mode === 'retro') }, r.created);
      }
      deliverSoon();
      return {
        detections_ms: ms,
        alerts_created: report.rules.reduce((n, r) => n + r.created, 0),
        alerts_updated: report.rules.reduce((n, r) => n + r.updated, 0),
        alerts_queued: report.rules.reduce((n, r) => n + r.queued, 0),
        ...(report.failed ? { rules_failed: report.failed } : {}),
      };
    }
    deliverSoon();
    return {};
  };

  // what an earlier run left queued goes out at start
  deliverSoon();

  return {
    afterRefresh,
    deliverSoon,
    status: () => structuredClone(status),
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      cut.abort();
      await running;
      await Promise.all(destinations.map((d) => d.sender.close?.()));
      store?.close();
      store = null;
    },
  };
}
