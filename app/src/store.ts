/**
 * The portal's reads and writes. Everything read comes from the latest report (the newest
 * generatedAt; the later import breaks a tie), so the page and the API show one snapshot.
 */
import type { Database, Queryable } from './db';
import {
  SEVERITIES,
  type AssetRow,
  type FindingRow,
  type ParsedReport,
  type ReportSummary,
  type Severity,
} from './report';

/** Where an import came from, recorded with it: POST /api/imports, the import CLI, the S3 poller. */
export type ImportChannel = 'api' | 'cli' | 's3';

export interface ImportResult {
  reportId: number;
  /** True when the same bytes were imported before: nothing new was stored. */
  duplicate: boolean;
  findings: number;
  assets: number;
}

/** The latest report's facts, as /api/report/latest returns them. */
export interface StoredReport extends ReportSummary {
  id: number;
  /** ISO 8601. */
  importedAt: string;
  digest: string;
  findingCount: number;
  assetCount: number;
}

/** A page of rows: `offset` and `limit` as asked, `total` rows match in all. */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface AssetQuery {
  /** Exact resource type (AWS::EC2::Instance, AwsS3Bucket, AWS_ECR_CONTAINER_IMAGE). */
  type?: string;
  /** Tags the resource must carry with exactly these values (all of them). */
  tags?: Record<string, string>;
  limit: number;
  offset: number;
}

export interface FindingQuery {
  severity?: Severity;
  limit: number;
  offset: number;
}

// Severity order for ORDER BY, the same on PGlite and PostgreSQL.
const SEVERITY_RANK = `array_position(ARRAY[${SEVERITIES.map((level) => `'${level}'`).join(', ')}]::text[], severity)`;

// pg and PGlite return timestamptz as a Date; checked by shape, not instanceof, so a Date of
// another realm (PGlite loaded outside a test's vm) reads the same.
function iso(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'toISOString' in value)
    return (value as Date).toISOString();
  return new Date(String(value)).toISOString();
}

/**
 * Stores one checked report with its findings and resources in one transaction: either all of
 * it is stored or, when any statement fails, none of it.
 */
export async function importReport(
  db: Database,
  report: ParsedReport,
  channel: ImportChannel,
): Promise<ImportResult> {
  return db.transaction(async (tx) => {
    const inserted = await tx.query<{ id: number }>(
      `INSERT INTO reports (digest, title, generated_at, previous_at, region, account_id, cce_source, summary, channel)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
       ON CONFLICT (digest) DO NOTHING
       RETURNING id`,
      [
        report.digest,
        report.summary.title,
        report.summary.generatedAt,
        report.summary.previousAt ?? null,
        report.summary.region,
        report.summary.accountId ?? null,
        report.summary.cceSource,
        JSON.stringify(report.summary),
        channel,
      ],
    );
    const id = inserted[0]?.id;
    if (id === undefined) {
      const [existing] = await tx.query<{ id: number }>(
        'SELECT id FROM reports WHERE digest = $1',
        [report.digest],
      );
      if (existing === undefined)
        throw new Error(`report ${report.digest} neither inserted nor found`);
      return {
        reportId: existing.id,
        duplicate: true,
        findings: report.findings.length,
        assets: report.assets.length,
      };
    }
    await insertFindings(tx, id, report.findings);
    await insertAssets(tx, id, report.assets);
    return {
      reportId: id,
      duplicate: false,
      findings: report.findings.length,
      assets: report.assets.length,
    };
  });
}

// One INSERT per table: the rows travel as one JSON array parameter that jsonb_to_recordset
// unpacks, so a report of thousands of findings is one round trip and no statement grows with it.
async function insertFindings(
  tx: Queryable,
  reportId: number,
  findings: FindingRow[],
): Promise<void> {
  if (findings.length === 0) return;
  await tx.query(
    `INSERT INTO findings (report_id, key, kind, finding_id, source, severity, title, resource_id, resource_type,
                           owner, url, fix_available, first_seen, age_days, sla_days, overdue, is_new)
     SELECT $1, key, kind, "findingId", source, severity, title, "resourceId", "resourceType",
            owner, url, "fixAvailable", "firstSeen", "ageDays", "slaDays", overdue, "isNew"
     FROM jsonb_to_recordset($2::jsonb) AS f(key text, kind text, "findingId" text, source text, severity text,
          title text, "resourceId" text, "resourceType" text, owner text, url text, "fixAvailable" text,
          "firstSeen" timestamptz, "ageDays" integer, "slaDays" integer, overdue boolean, "isNew" boolean)`,
    [reportId, JSON.stringify(findings)],
  );
}

async function insertAssets(tx: Queryable, reportId: number, assets: AssetRow[]): Promise<void> {
  if (assets.length === 0) return;
  await tx.query(
    `INSERT INTO assets (report_id, arn, type, region, account_id, name, tags, open_findings)
     SELECT $1, arn, type, region, "accountId", name, tags, "openFindings"
     FROM jsonb_to_recordset($2::jsonb) AS a(arn text, type text, region text, "accountId" text, name text,
          tags jsonb, "openFindings" integer)`,
    [reportId, JSON.stringify(assets)],
  );
}

interface ReportRecord {
  id: number;
  digest: string;
  summary: ReportSummary | string;
  imported_at: unknown;
  finding_count: number;
  asset_count: number;
}

/** The latest report, or undefined before the first import. */
export async function latestReport(db: Queryable): Promise<StoredReport | undefined> {
  const [row] = await db.query<ReportRecord>(
    `SELECT r.id, r.digest, r.summary, r.imported_at,
            (SELECT count(*)::integer FROM findings f WHERE f.report_id = r.id) AS finding_count,
            (SELECT count(*)::integer FROM assets a WHERE a.report_id = r.id) AS asset_count
     FROM reports r ORDER BY r.generated_at DESC, r.id DESC LIMIT 1`,
  );
  if (row === undefined) return undefined;
  const summary =
    typeof row.summary === 'string' ? (JSON.parse(row.summary) as ReportSummary) : row.summary;
  return {
    ...summary,
    id: row.id,
    digest: row.digest,
    importedAt: iso(row.imported_at),
    findingCount: row.finding_count,
    assetCount: row.asset_count,
  };
}

/** An asset as the API returns it. */
export type StoredAsset = AssetRow;

interface AssetRecord {
  arn: string;
  type: string;
  region: string | null;
  account_id: string | null;
  name: string | null;
  tags: Record<string, string> | string;
  open_findings: number;
  total: number;
}

/** Resources of report `reportId` matching `query`, ordered by ARN. */
export async function listAssets(
  db: Queryable,
  reportId: number,
  query: AssetQuery,
): Promise<Page<StoredAsset>> {
  const rows = await db.query<AssetRecord>(
    `SELECT arn, type, region, account_id, name, tags, open_findings, count(*) OVER ()::integer AS total
     FROM assets
     WHERE report_id = $1 AND ($2::text IS NULL OR type = $2) AND ($3::jsonb IS NULL OR tags @> $3::jsonb)
     ORDER BY arn
     LIMIT $4 OFFSET $5`,
    [
      reportId,
      query.type ?? null,
      query.tags === undefined ? null : JSON.stringify(query.tags),
      query.limit,
      query.offset,
    ],
  );
  return {
    items: rows.map((row) => ({
      arn: row.arn,
      type: row.type,
      ...(row.region === null ? {} : { region: row.region }),
      ...(row.account_id === null ? {} : { accountId: row.account_id }),
      ...(row.name === null ? {} : { name: row.name }),
      tags:
        typeof row.tags === 'string' ? (JSON.parse(row.tags) as Record<string, string>) : row.tags,
      openFindings: row.open_findings,
    })),
    total: rows[0]?.total ?? (await countAssets(db, reportId, query)),
    limit: query.limit,
    offset: query.offset,
  };
}

// A page past the end has no row to carry count(*) OVER (); the total is asked for separately.
async function countAssets(db: Queryable, reportId: number, query: AssetQuery): Promise<number> {
  if (query.offset === 0) return 0;
  const [row] = await db.query<{ total: number }>(
    `SELECT count(*)::integer AS total FROM assets
     WHERE report_id = $1 AND ($2::text IS NULL OR type = $2) AND ($3::jsonb IS NULL OR tags @> $3::jsonb)`,
    [reportId, query.type ?? null, query.tags === undefined ? null : JSON.stringify(query.tags)],
  );
  return row?.total ?? 0;
}

interface FindingRecord {
  key: string;
  kind: 'cve' | 'cce';
  finding_id: string;
  source: string;
  severity: Severity;
  title: string;
  resource_id: string;
  resource_type: string;
  owner: string | null;
  url: string | null;
  fix_available: string | null;
  first_seen: unknown;
  age_days: number;
  sla_days: number;
  overdue: boolean;
  is_new: boolean;
  total: number;
}

/** Open findings of report `reportId`, most severe first, then oldest first. */
export async function listFindings(
  db: Queryable,
  reportId: number,
  query: FindingQuery,
): Promise<Page<FindingRow>> {
  const where = 'report_id = $1 AND ($2::text IS NULL OR severity = $2)';
  const rows = await db.query<FindingRecord>(
    `SELECT key, kind, finding_id, source, severity, title, resource_id, resource_type, owner, url, fix_available,
            first_seen, age_days, sla_days, overdue, is_new, count(*) OVER ()::integer AS total
     FROM findings WHERE ${where}
     ORDER BY ${SEVERITY_RANK}, first_seen, key
     LIMIT $3 OFFSET $4`,
    [reportId, query.severity ?? null, query.limit, query.offset],
  );
  let total = rows[0]?.total;
  if (total === undefined) {
    const [row] = await db.query<{ total: number }>(
      `SELECT count(*)::integer AS total FROM findings WHERE ${where}`,
      [reportId, query.severity ?? null],
    );
    total = row?.total ?? 0;
  }
  return {
    items: rows.map((row) => ({
      key: row.key,
      kind: row.kind,
      findingId: row.finding_id,
      source: row.source,
      severity: row.severity,
      title: row.title,
      resourceId: row.resource_id,
      resourceType: row.resource_type,
      ...(row.owner === null ? {} : { owner: row.owner }),
      ...(row.url === null ? {} : { url: row.url }),
      ...(row.fix_available === null ? {} : { fixAvailable: row.fix_available }),
      firstSeen: iso(row.first_seen),
      ageDays: row.age_days,
      slaDays: row.sla_days,
      overdue: row.overdue,
      isNew: row.is_new,
    })),
    total,
    limit: query.limit,
    offset: query.offset,
  };
}
