import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's Prometheus metrics (text exposition format 0.0.4), one registry per app so that
 * several apps in one process (tests) never share counters.
 *
 * Business counters are driven by the audit log, the one place every state change already passes:
 * an event counted here is an event an auditor can find, and the two can never disagree about what
 * happened. OCSP and TSA answers are not audited (one per relying-party request), so they are
 * counted from the HTTP routes that serve them.
 */
export interface MetricsSources {
  /** Number of events in the audit log (the tree size an auditor's checkpoint would name). */
  readonly auditEvents?: () => Promise<number>;
  /** For each CA that publishes a CRL: seconds since the newest CRL's thisUpdate. */
  readonly crlAges?: () => Promise<ReadonlyArray<{ readonly ca: string; readonly seconds: number }>>;
}

type BusinessCounter = 'signatures' | 'issuances' | 'copies' | 'pinLocks' | 'pinFailures';

/** Audited actions whose successful events feed a named business counter. */
const AUDIT_COUNTERS: Readonly<Record<string, BusinessCounter>> = {
  'signing.sign': 'signatures',
  'signing.complete': 'signatures',
  'certificate.issue': 'issuances',
  'copy.certified': 'copies',
  'signing.credential.lock': 'pinLocks',
};
/** A wrong PIN is audited as a failure of the PIN action with error PIN_INVALID (a refusal because the credential is already locked is not a guess). */
const PIN_ACTION = 'signing.credential.pin';
const BATCH_ACTIONS = new Set(['signing.batch', 'signing.complete.batch']);

const OCSP_OPERATIONS = new Set(['ocspPost', 'ocspGet']);
const TSA_OPERATIONS = new Set(['timestamp']);

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #latency: Histogram<'method' | 'route'>;
  readonly #events: Counter<'action' | 'outcome'>;
  readonly #business: Record<BusinessCounter, Counter>;
  readonly #ocsp: Counter<'status'>;
  readonly #tsa: Counter<'status'>;

  constructor(sources: MetricsSources = {}) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'kyso_' });
    this.#requests = new Counter({
      name: 'kyso_http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'kyso_http_request_duration_seconds',
      help: 'HTTP request latency by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#events = new Counter({
      name: 'kyso_audit_events_total',
      help: 'Audit events appended by this instance, by action and outcome',
      labelNames: ['action', 'outcome'],
      registers,
    });
    const counter = (name: string, help: string) => new Counter({ name, help, registers });
    this.#business = {
      signatures: counter('kyso_signatures_total', 'PDF signatures made (one-shot, batch and two-phase)'),
      issuances: counter('kyso_certificates_issued_total', 'Certificates issued by the provincial CA'),
      copies: counter('kyso_copies_certified_total', 'Electronic certified copies completed'),
      pinFailures: counter('kyso_pin_failures_total', 'Wrong PINs given for server-held signing credentials'),
      pinLocks: counter('kyso_pin_locks_total', 'Signing credentials locked after too many wrong PINs'),
    };
    this.#ocsp = new Counter({
      name: 'kyso_ocsp_requests_total',
      help: 'OCSP requests answered, by HTTP status',
      labelNames: ['status'],
      registers,
    });
    this.#tsa = new Counter({
      name: 'kyso_tsa_requests_total',
      help: 'RFC 3161 time-stamp requests answered, by HTTP status',
      labelNames: ['status'],
      registers,
    });
    const { auditEvents, crlAges } = sources;
    if (auditEvents) {
      new Gauge({
        name: 'kyso_audit_log_size',
        help: 'Events in the audit log (all instances)',
        registers,
        async collect() {
          this.set(await auditEvents());
        },
      });
    }
    if (crlAges) {
      new Gauge({
        name: 'kyso_crl_age_seconds',
        help: 'Seconds since the newest CRL of each CA was issued (thisUpdate)',
        labelNames: ['ca'],
        registers,
        async collect() {
          this.reset();
          for (const { ca, seconds } of await crlAges()) this.set({ ca }, seconds);
        },
      });
    }
  }

  /** One finished HTTP request; `route` is the matched template (or 'unmatched'), never the raw URL. */
  observeRequest(r: { method: string; route: string; operationId?: string; status: number; seconds: number }): void {
    const status = String(r.status);
    this.#requests.inc({ method: r.method, route: r.route, status });
    this.#latency.observe({ method: r.method, route: r.route }, r.seconds);
    if (r.operationId && OCSP_OPERATIONS.has(r.operationId)) this.#ocsp.inc({ status });
    if (r.operationId && TSA_OPERATIONS.has(r.operationId)) this.#tsa.inc({ status });
  }

  /** One committed audit event. */
  observeAuditEvent(e: { action: string; outcome: string; details?: Readonly<Record<string, unknown>> | null }): void {
    this.#events.inc({ action: e.action, outcome: e.outcome });
    if (e.action === PIN_ACTION && e.details?.error === 'PIN_INVALID') this.#business.pinFailures.inc();
    // A B-B batch, and a batch of two-phase completions, is one event listing its signatures
    // (src/signing/batch-signing.ts, two-phase-batch.ts), whatever its outcome.
    const batch = BATCH_ACTIONS.has(e.action) ? e.details?.signatures : undefined;
    if (Array.isArray(batch) && batch.length > 0) this.#business.signatures.inc(batch.length);
    if (e.outcome !== 'success') return;
    const named = AUDIT_COUNTERS[e.action];
    if (named) this.#business[named].inc();
  }

  contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
