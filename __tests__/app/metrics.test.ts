/**
 * @jest-environment ./__tests__/app/environment.ts
 */
/**
 * /metrics in Prometheus text format, and the Grafana dashboard against it: every metric a panel
 * or variable queries must be one the app really exports, scraped from a running portal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { dailyReport } from '../fixtures/daily-report';
import {
  PORTAL_START_TIMEOUT_MS,
  postImport,
  reportBody,
  startPortal,
  type TestPortal,
} from './portal';

const DASHBOARD = join(__dirname, '../../app/grafana/portal-dashboard.json');

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(text: string): Series[] {
  const series: Series[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    series.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return series;
}

// PromQL words that are not metric names: functions, aggregations, modifiers.
const PROMQL_WORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'rate',
  'irate',
  'increase',
  'histogram_quantile',
  'clamp_min',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'label_values',
]);

/** Metric names and label names a PromQL expression uses. */
function promqlNames(expr: string): { metrics: string[]; labels: string[] } {
  const labels: string[] = [];
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  rest = rest.replace(/\{([^}]*)\}/g, (_, inner: string) => {
    for (const matcher of inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g))
      labels.push(matcher[1]!);
    return ' ';
  });
  rest = rest.replace(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g, (_, inner: string) => {
    labels.push(
      ...inner
        .split(',')
        .map((label) => label.trim())
        .filter(Boolean),
    );
    return ' ';
  });
  rest = rest.replace(/\[[^\]]*\]/g, ' ').replace(/\$[a-zA-Z_]+/g, ' ');
  // label_values(metric, label): the second argument is a label.
  rest = rest.replace(
    /label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_]+)\s*\)/g,
    (_, metric: string, label: string) => {
      labels.push(label);
      return ` ${metric} `;
    },
  );
  const metrics = [...rest.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .map((word) => word[0])
    .filter((word) => !PROMQL_WORDS.has(word) && !/^\d/.test(word) && word !== 'e');
  return { metrics, labels };
}

describe('/metrics and the Grafana dashboard', () => {
  let portal: TestPortal;
  let series: Series[] = [];

  beforeAll(async () => {
    portal = await startPortal();
    expect((await postImport(portal.base, reportBody())).status).toBe(201);
    await fetch(`${portal.base}/api/findings?severity=HIGH`);
    await fetch(`${portal.base}/api/assets?limit=2`);
    await fetch(`${portal.base}/api/nope`);
    const res = await fetch(`${portal.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    series = parseExposition(await res.text());
  }, PORTAL_START_TIMEOUT_MS);

  afterAll(async () => {
    await portal.close();
  });

  it('exposes request durations by route and status, and database statement durations', () => {
    const findings = series.find(
      (sample) =>
        sample.name === 'http_server_request_duration_seconds_count' &&
        sample.labels.http_route === '/api/findings' &&
        sample.labels.http_response_status_code === '200',
    );
    expect(findings?.value).toBe(1);
    // An unknown path is counted without a route label: no unbounded label values.
    const notFound = series.filter(
      (sample) =>
        sample.name === 'http_server_request_duration_seconds_count' &&
        sample.labels.http_response_status_code === '404',
    );
    expect(notFound.map((sample) => sample.labels.http_route)).toEqual([undefined]);
    const inserts = series.find(
      (sample) =>
        sample.name === 'db_client_operation_duration_seconds_count' &&
        sample.labels.db_operation_name === 'INSERT',
    );
    expect(inserts?.value).toBeGreaterThanOrEqual(3);
    expect(
      series.some(
        (sample) =>
          sample.name === 'db_client_operation_duration_seconds_bucket' &&
          sample.labels.le === '+Inf',
      ),
    ).toBe(true);
  });

  it('exposes the latest report: open findings by severity, its age, and the imports', () => {
    const counts = dailyReport().counts.open;
    const open = Object.fromEntries(
      series
        .filter((sample) => sample.name === 'assetguard_findings_open')
        .map((sample) => [sample.labels.severity, sample.value]),
    );
    expect(open).toEqual({
      CRITICAL: counts.CRITICAL,
      HIGH: counts.HIGH,
      MEDIUM: counts.MEDIUM,
      LOW: counts.LOW,
      INFORMATIONAL: counts.INFORMATIONAL,
      UNTRIAGED: counts.UNTRIAGED,
    });
    const age = series.find((sample) => sample.name === 'assetguard_report_age_seconds');
    expect(age?.value).toBeCloseTo((Date.now() - Date.parse(dailyReport().generatedAt)) / 1000, -2);
    const imported = series.find(
      (sample) =>
        sample.name === 'assetguard_imports_total' &&
        sample.labels.outcome === 'imported' &&
        sample.labels.channel === 'api',
    );
    expect(imported?.value).toBe(1);
  });

  it('queries in every dashboard panel and variable only metrics and labels the app exports', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { datasource: unknown; targets: { expr: string }[] }[];
      templating: { list: { name: string; type: string; query: string | { query: string } }[] };
    };
    const exprs: string[] = [];
    for (const panel of dashboard.panels) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets.length).toBeGreaterThan(0);
      exprs.push(...panel.targets.map((target) => target.expr));
    }
    for (const variable of dashboard.templating.list) {
      if (variable.type === 'query' && typeof variable.query === 'object')
        exprs.push(variable.query.query);
    }
    expect(
      dashboard.templating.list.find((variable) => variable.type === 'datasource'),
    ).toMatchObject({
      name: 'datasource',
      query: 'prometheus',
    });

    const exported = new Set(series.map((sample) => sample.name));
    // job and instance come from the scrape (or the collector), le from the histogram.
    const exportedLabels = new Set([
      'job',
      'instance',
      ...series.flatMap((sample) => Object.keys(sample.labels)),
    ]);
    const used = new Set<string>();
    for (const expr of exprs) {
      const { metrics, labels } = promqlNames(expr);
      expect({ expr, metrics: metrics.length > 0 }).toEqual({ expr, metrics: true });
      for (const metric of metrics) {
        expect({ expr, metric, exported: exported.has(metric) }).toEqual({
          expr,
          metric,
          exported: true,
        });
        used.add(metric);
      }
      for (const label of labels) {
        expect({ expr, label, exported: exportedLabels.has(label) }).toEqual({
          expr,
          label,
          exported: true,
        });
      }
    }
    // The dashboard covers rate, errors and latency (one histogram) and the findings gauge.
    expect([...used].sort()).toEqual(
      expect.arrayContaining([
        'assetguard_findings_open',
        'http_server_request_duration_seconds_bucket',
        'http_server_request_duration_seconds_count',
      ]),
    );
  });

  it('finds a metric name the app does not export (the check can fail)', () => {
    const { metrics } = promqlNames('sum by (le) (rate(http_requests_total{job=~"$job"}[5m]))');
    expect(metrics).toEqual(['http_requests_total']);
    expect(series.some((sample) => sample.name === 'http_requests_total')).toBe(false);
  });
});
