/**
 * Traces and metrics. Metrics always feed the Prometheus text on /metrics (pulled, no server of
 * its own); when OTEL_EXPORTER_OTLP_ENDPOINT is set, traces and metrics are also pushed over
 * OTLP/HTTP (JSON) to it — in ECS the ADOT collector sidecar on localhost:4318, which forwards
 * traces to X-Ray and metrics to Amazon Managed Service for Prometheus. Without the variable no
 * exporter exists, so nothing ever connects (tests, a laptop).
 *
 * Attributes follow the OpenTelemetry semantic conventions for HTTP servers and database
 * clients; the metric names are Prometheus's (see METRICS).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter, Histogram, Meter, Tracer } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

import type { TelemetryConfig } from './config';
import { SEVERITIES, type Severity } from './report';

/**
 * The metric names the app exports. They are already in Prometheus form, unit suffix included,
 * because the two paths to a dashboard name metrics differently: this Prometheus exporter keeps
 * an instrument's name as it is (`http.server.request.duration` would be
 * `http_server_request_duration_bucket` on /metrics), while the collector's Prometheus
 * remote-write translation appends the unit (`..._duration_seconds_bucket` in AMP). A name that
 * already ends in its unit comes out the same on both, so one dashboard reads either.
 */
export const METRICS = {
  /** Histogram, seconds: http.request.method, http.route, http.response.status_code. */
  httpDuration: 'http_server_request_duration_seconds',
  /** Histogram, seconds: db.system.name, db.operation.name, error.type on failures. */
  dbDuration: 'db_client_operation_duration_seconds',
  /** Gauge: open findings of the latest report, by severity. */
  findingsOpen: 'assetguard_findings_open',
  /** Gauge, seconds since the latest report was generated. */
  reportAge: 'assetguard_report_age_seconds',
  /** Counter (`_total` on /metrics): imports by outcome and channel. */
  imports: 'assetguard_imports',
} as const;

// Semantic-conventions advice for HTTP and DB durations: 5 ms .. 10 s.
const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];
// Each OTLP export gives up after this, so a collector that is gone cannot stall shutdown.
const OTLP_TIMEOUT_MS = 5000;

/** What the latest imported report says, for the gauges; undefined before the first import. */
export interface LatestReportFigures {
  /** Open findings by severity. */
  open: Record<Severity, number>;
  /** ISO 8601 time the report was generated. */
  generatedAt: string;
}

export interface Telemetry {
  tracer: Tracer;
  meter: Meter;
  /** Seconds per HTTP request; attributes http.request.method, http.route, http.response.status_code. */
  httpDuration: Histogram;
  /** Seconds per database statement; attributes db.system.name, db.operation.name, error.type. */
  dbDuration: Histogram;
  /** Imports by outcome (imported, duplicate, rejected) and channel (api, cli, s3). */
  imports: Counter;
  /** Whether an OTLP endpoint receives traces and metrics. */
  exporting: boolean;
  /**
   * Registers how the findings and report-age gauges read the latest report (once; the portal
   * calls it). The reader runs at each scrape and each OTLP export; when it throws (database
   * down), the gauges report nothing rather than stale figures.
   */
  observeLatestReport(read: () => Promise<LatestReportFigures | undefined>): void;
  /** Answers GET /metrics with the Prometheus text exposition format. */
  serveMetrics(req: IncomingMessage, res: ServerResponse): void;
  /** Flushes pending spans and a last metrics export, then stops; never rejects. */
  shutdown(): Promise<void>;
}

export interface StartTelemetryOptions {
  /**
   * Install the tracer provider and the AsyncLocalStorage context manager globally, so database
   * spans become children of the request's span. The process entry does; tests creating several
   * portals in one process do not (OpenTelemetry's globals can be set once).
   */
  registerGlobals?: boolean;
  /** Called with why an export or a gauge read failed (the logger's warn). */
  onError?: (message: string) => void;
}

/** Creates the tracer and meter providers and the app's instruments, per `config`. */
export function startTelemetry(
  config: TelemetryConfig,
  options: StartTelemetryOptions = {},
): Telemetry {
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: config.serviceName,
    [ATTR_SERVICE_VERSION]: config.serviceVersion,
    ...(config.environment === undefined
      ? {}
      : { 'deployment.environment.name': config.environment }),
  });
  const endpoint = config.otlpEndpoint;

  const spanProcessors: SpanProcessor[] = [];
  if (endpoint !== undefined) {
    spanProcessors.push(
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, timeoutMillis: OTLP_TIMEOUT_MS }),
      ),
    );
  }
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors });
  if (options.registerGlobals === true) tracerProvider.register();

  // Pull: /metrics serialises on request. preventServerStart keeps the exporter from opening
  // its own port 9464; the portal's server answers instead.
  const prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const readers: MetricReader[] = [prometheus];
  if (endpoint !== undefined) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({
          url: `${endpoint}/v1/metrics`,
          timeoutMillis: OTLP_TIMEOUT_MS,
        }),
        exportIntervalMillis: config.metricExportIntervalMs,
        exportTimeoutMillis: OTLP_TIMEOUT_MS,
      }),
    );
  }
  const meterProvider = new MeterProvider({ resource, readers });
  const meter = meterProvider.getMeter('assetguard-portal', config.serviceVersion);

  const httpDuration = meter.createHistogram(METRICS.httpDuration, {
    description: 'Duration of HTTP server requests.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const dbDuration = meter.createHistogram(METRICS.dbDuration, {
    description: 'Duration of database client operations.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const imports = meter.createCounter(METRICS.imports, {
    description:
      'Report imports by outcome (imported, duplicate, rejected) and channel (api, cli, s3).',
    unit: '{import}',
  });

  let observing = false;
  const observeLatestReport = (read: () => Promise<LatestReportFigures | undefined>): void => {
    if (observing) throw new Error('observeLatestReport was already called');
    observing = true;
    const findingsOpen = meter.createObservableGauge(METRICS.findingsOpen, {
      description: 'Open findings in the latest imported assetguard report, by severity.',
      unit: '{finding}',
    });
    const reportAge = meter.createObservableGauge(METRICS.reportAge, {
      description: 'Seconds since the latest imported report was generated.',
      unit: 's',
    });
    // One read per collection feeds both gauges.
    meter.addBatchObservableCallback(
      async (observer) => {
        let latest: LatestReportFigures | undefined;
        try {
          latest = await read();
        } catch (error) {
          options.onError?.(
            `could not read the latest report for the gauges: ${(error as Error).message}`,
          );
          return;
        }
        if (latest === undefined) return;
        for (const severity of SEVERITIES) {
          observer.observe(findingsOpen, latest.open[severity], { severity });
        }
        const ageSeconds = (Date.now() - Date.parse(latest.generatedAt)) / 1000;
        observer.observe(reportAge, Math.max(0, Math.round(ageSeconds)));
      },
      [findingsOpen, reportAge],
    );
  };

  return {
    tracer: tracerProvider.getTracer('assetguard-portal', config.serviceVersion),
    meter,
    httpDuration,
    dbDuration,
    imports,
    exporting: endpoint !== undefined,
    observeLatestReport,
    serveMetrics: (req, res) => {
      prometheus.getMetricsRequestHandler(req, res);
    },
    shutdown: async () => {
      const results = await Promise.allSettled([
        tracerProvider.shutdown(),
        meterProvider.shutdown(),
      ]);
      for (const result of results) {
        if (result.status === 'rejected') {
          options.onError?.(`telemetry flush failed: ${(result.reason as Error).message}`);
        }
      }
    },
  };
}
