/**
 * @jest-environment ./__tests__/app/environment.ts
 */
/**
 * The portal's JSON API and health endpoints against real PGlite: migrations, imports of the
 * daily report's report.json, paging and filters, and everything it must refuse.
 *
 * One database for the file (PGlite takes seconds to start), used in order: empty and not
 * migrated, then migrated, then holding the imports; each describe says what it expects.
 */
import { dailyReport } from '../fixtures/daily-report';
import { openDatabase, type Database } from '../../app/src/db';
import { migrate, readMigrations, schemaState } from '../../app/src/migrations';
import { startTelemetry } from '../../app/src/telemetry';
import {
  PORTAL_START_TIMEOUT_MS,
  IMPORT_TOKEN,
  postImport,
  reportBody,
  startPortal,
  taggedReport,
  type TestPortal,
} from './portal';

/** The fields these tests read from the portal's JSON answers (each answer has some of them). */
interface Answer {
  status?: string;
  reason?: string;
  error?: string;
  reportId?: number;
  title?: string;
  rules?: unknown[];
  items: { arn: string; type: string; tags: Record<string, string>; severity: string }[];
  total: number;
  next: string | null;
}

const json = async (res: Response): Promise<Answer> => (await res.json()) as Answer;

let db: Database;

beforeAll(async () => {
  const telemetry = startTelemetry({
    serviceName: 'portal-test',
    serviceVersion: 'test',
    metricExportIntervalMs: 60_000,
  });
  db = await openDatabase({ kind: 'pglite' }, telemetry);
}, PORTAL_START_TIMEOUT_MS);

afterAll(async () => {
  await db.close();
});

describe('readiness and migrations', () => {
  let portal: TestPortal;

  beforeAll(async () => {
    portal = await startPortal({ db, migrated: false });
  }, PORTAL_START_TIMEOUT_MS);

  afterAll(async () => {
    await portal.close();
  });

  it('answers /healthz without the database and /readyz 503 until migrations are applied', async () => {
    const health = await fetch(`${portal.base}/healthz`);
    expect(health.status).toBe(200);
    expect(await json(health)).toEqual({ status: 'ok' });

    const before = await fetch(`${portal.base}/readyz`);
    expect(before.status).toBe(503);
    expect((await json(before)).reason).toMatch(/migrations not applied/);

    expect(await migrate(portal.db)).toEqual(['001_reports.sql', '002_s3_channel.sql']);
    const after = await fetch(`${portal.base}/readyz`);
    expect(after.status).toBe(200);
    expect(await json(after)).toEqual({ status: 'ready', database: 'pglite' });
  });

  it('applies nothing the second time and refuses a migration edited after it was applied', async () => {
    expect(await migrate(portal.db)).toEqual([]);
    const shipped = readMigrations();
    const edited = shipped.map((migration) => ({ ...migration, checksum: 'f'.repeat(64) }));
    await expect(migrate(portal.db, edited)).rejects.toThrow(
      /001_reports\.sql changed after it was applied/,
    );
    expect(await schemaState(portal.db, edited)).toEqual({
      ready: false,
      reason: expect.stringMatching(/changed after it was applied/),
    });
  });

  it('reports a shipped migration that is not applied yet as pending', async () => {
    const next = { version: 99, name: '099_next.sql', sql: 'SELECT 1', checksum: 'a'.repeat(64) };
    expect(await schemaState(portal.db, [...readMigrations(), next])).toEqual({
      ready: false,
      reason: 'migrations pending: 099_next.sql',
    });
  });
});

describe('imports', () => {
  let portal: TestPortal;

  const reportCount = async (): Promise<number> => {
    const [row] = await portal.db.query<{ n: number }>(
      'SELECT count(*)::integer AS n FROM reports',
    );
    return row!.n;
  };

  beforeAll(async () => {
    portal = await startPortal({ db });
  }, PORTAL_START_TIMEOUT_MS);

  afterAll(async () => {
    await portal.close();
  });

  it('has nothing to show before the first import', async () => {
    const res = await fetch(`${portal.base}/api/report/latest`);
    expect(res.status).toBe(404);
    expect((await json(res)).error).toMatch(/no report imported yet/);
  });

  it('refuses an import without the bearer token, or with another one, before reading it', async () => {
    const missing = await postImport(portal.base, reportBody(), {
      'content-type': 'application/json',
    });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /);

    const wrong = await postImport(portal.base, reportBody(), {
      authorization: `Bearer ${IMPORT_TOKEN}x`,
      'content-type': 'application/json',
    });
    expect(wrong.status).toBe(401);

    const basic = await postImport(portal.base, reportBody(), {
      authorization: `Basic ${Buffer.from(`x:${IMPORT_TOKEN}`).toString('base64')}`,
      'content-type': 'application/json',
    });
    expect(basic.status).toBe(401);
    expect(await reportCount()).toBe(0);
  });

  it('refuses bodies that are not the report, naming the field, and stores nothing', async () => {
    const cases: [string, RegExp][] = [
      ['{"title": ', /^report is not JSON/],
      ['[]', /^report: expected an object/],
      [JSON.stringify({ verdict: 'pass' }), /evidence\.json or verdict\.json/],
      [
        reportBody().replace('"severity":"CRITICAL"', '"severity":"SEVERE"'),
        /^report\.open\[0\]\.finding\.severity: expected one of CRITICAL/,
      ],
      [
        JSON.stringify({ ...dailyReport(), open: dailyReport().open.slice(1) }),
        /report\.counts\.open\.total: says 24 open findings, report\.open lists 23/,
      ],
      [
        JSON.stringify({ ...dailyReport(), generatedAt: 'yesterday' }),
        /^report\.generatedAt: expected an ISO 8601 time/,
      ],
      // Valid JSON that PostgreSQL cannot store: refused by the check, not by the database.
      [
        reportBody().replace('"title":"', '"title":"\\u0000'),
        /^report\.title: a NUL character \(\\u0000\) at position 0 cannot be stored/,
      ],
      [
        reportBody().replace(/("open":\[\{.*?"finding":\{.*?"title":")/, '$1\\ud800'),
        /^report\.open\[0\]\.finding\.title: an unpaired UTF-16 surrogate at position 0/,
      ],
      ['['.repeat(200_000) + ']'.repeat(200_000), /^report(\[0\])+: nested deeper than 32 levels/],
      [
        JSON.stringify({ ...dailyReport(), generatedAt: '2099-01-01T00:00:00.000Z' }),
        /^report\.generatedAt: 2099-01-01T00:00:00\.000Z is more than 5 minutes after the portal's clock/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await postImport(portal.base, body);
      expect({ status: res.status, error: (await json(res)).error }).toEqual({
        status: 400,
        error: expect.stringMatching(message),
      });
    }
    const text = await fetch(`${portal.base}/api/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${IMPORT_TOKEN}`, 'content-type': 'text/plain' },
      body: reportBody(),
    });
    expect(text.status).toBe(415);
    const tooBig = await postImport(portal.base, ' '.repeat(1024 * 1024 + 1));
    expect(tooBig.status).toBe(413);
    expect(await reportCount()).toBe(0);
  });

  it('checks generatedAt against the clock it is given (5 minutes of skew allowed)', async () => {
    const generatedAt = Date.parse(dailyReport().generatedAt);
    const early = await startPortal({ db, now: () => generatedAt - 5 * 60_000 - 1000 });
    try {
      const res = await postImport(early.base, reportBody());
      expect({ status: res.status, error: (await json(res)).error }).toEqual({
        status: 400,
        error: expect.stringMatching(/^report\.generatedAt: .* is more than 5 minutes after/),
      });
      expect(await reportCount()).toBe(0);
    } finally {
      await early.close();
    }
  });

  it('stores none of a report when the database fails half way (one transaction)', async () => {
    // A trigger makes the last insert of the import (the resources) fail after the report row
    // and its findings went in.
    await portal.db.exec(`
      CREATE FUNCTION refuse_assets() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'assets refused by the test'; END $$;
      CREATE TRIGGER refuse_assets BEFORE INSERT ON assets FOR EACH ROW EXECUTE FUNCTION refuse_assets();
    `);
    try {
      const res = await postImport(portal.base, reportBody());
      expect(res.status).toBe(500);
      expect(await json(res)).toEqual({ error: 'internal error; the portal log has the details' });
      expect(await reportCount()).toBe(0);
      const [findings] = await portal.db.query<{ n: number }>(
        'SELECT count(*)::integer AS n FROM findings',
      );
      expect(findings!.n).toBe(0);
    } finally {
      await portal.db.exec('DROP TRIGGER refuse_assets ON assets; DROP FUNCTION refuse_assets();');
    }
  });

  it('imports report.json once: 201, then 200 duplicate for the same bytes', async () => {
    const first = await postImport(portal.base, reportBody());
    expect(first.status).toBe(201);
    const created = await json(first);
    expect(created).toEqual({
      reportId: expect.any(Number),
      duplicate: false,
      findings: 24,
      assets: 11,
    });

    const again = await postImport(portal.base, reportBody());
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual({ ...created, duplicate: true });
    expect(await reportCount()).toBe(1);

    const latest = await json(await fetch(`${portal.base}/api/report/latest`));
    const fixture = dailyReport();
    expect(latest).toMatchObject({
      id: created.reportId,
      title: fixture.title,
      generatedAt: fixture.generatedAt,
      region: fixture.region,
      counts: fixture.counts,
      findingCount: 24,
      assetCount: 11,
    });
    expect(latest.rules).toHaveLength(fixture.rules.length);
  });

  it('keeps the newest generatedAt as the latest report, whatever the import order', async () => {
    const older = {
      ...dailyReport(),
      generatedAt: '2026-02-01T06:00:00.000Z',
      title: 'older report',
    };
    const res = await postImport(portal.base, reportBody(older));
    expect(res.status).toBe(201);
    const latest = await json(await fetch(`${portal.base}/api/report/latest`));
    expect(latest.title).toBe(dailyReport().title);
  });

  it('turns imports over HTTP off when the server has no token', async () => {
    const closed = await startPortal({ db, importToken: null });
    try {
      const res = await postImport(closed.base, reportBody());
      expect(res.status).toBe(403);
      expect((await json(res)).error).toMatch(/PORTAL_IMPORT_TOKEN/);
    } finally {
      await closed.close();
    }
  });
});

describe('assets and findings', () => {
  let portal: TestPortal;
  const fixture = dailyReport();

  const tagged = taggedReport();

  // The database holds the fixture and an older report (see imports); the tagged fixture,
  // generated a minute later, becomes the latest.
  beforeAll(async () => {
    portal = await startPortal({ db });
    expect((await postImport(portal.base, reportBody(tagged))).status).toBe(201);
  }, PORTAL_START_TIMEOUT_MS);

  afterAll(async () => {
    await portal.close();
  });

  it('pages through every resource of the latest report exactly once', async () => {
    const seen: string[] = [];
    let next: string | null = '/api/assets?limit=4';
    let pages = 0;
    while (next !== null) {
      const page = await json(await fetch(`${portal.base}${next}`));
      expect(page.total).toBe(11);
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((asset) => asset.arn));
      next = page.next;
      pages += 1;
    }
    expect(pages).toBe(3);
    const expected = [...new Set(fixture.open.map((item) => item.finding.resource.id))].sort();
    expect(seen).toEqual(expected);
  });

  it('filters resources by type and by every tag given', async () => {
    const type = fixture.open[0]!.finding.resource.type;
    const byType = await json(
      await fetch(`${portal.base}/api/assets?type=${encodeURIComponent(type)}`),
    );
    const typed = new Set(
      fixture.open
        .filter((item) => item.finding.resource.type === type)
        .map((item) => item.finding.resource.id),
    );
    expect(byType.total).toBe(typed.size);
    expect(byType.items.every((asset) => asset.type === type)).toBe(true);

    const owner = tagged.open[0]!.owner!;
    const expected = (match: (tags: Record<string, string>) => boolean): string[] =>
      [
        ...new Set(
          tagged.open
            .filter((item) => match(item.finding.resource.tags!))
            .map((item) => item.finding.resource.id),
        ),
      ].sort();
    const byTag = await json(
      await fetch(
        `${portal.base}/api/assets?tag=${encodeURIComponent(`Owner=${owner}`)}&limit=200`,
      ),
    );
    expect(byTag.items.map((asset) => asset.arn)).toEqual(expected((tags) => tags.Owner === owner));
    expect(byTag.total).toBeGreaterThan(0);
    expect(byTag.items[0]!.tags).toEqual({
      Owner: owner,
      Environment: expect.stringMatching(/^(prod|dev)$/),
    });

    const byTwo = await json(
      await fetch(
        `${portal.base}/api/assets?tag=${encodeURIComponent(`Owner=${owner}`)}&tag=Environment%3Dprod&limit=200`,
      ),
    );
    const both = expected((tags) => tags.Owner === owner && tags.Environment === 'prod');
    expect(byTwo.items.map((asset) => asset.arn)).toEqual(both);
    expect(both.length).toBeLessThan(byTag.total);

    const key = 'Owner';
    const none = await json(
      await fetch(`${portal.base}/api/assets?tag=${encodeURIComponent(`${key}=no-such-value`)}`),
    );
    expect(none).toMatchObject({ total: 0, items: [], next: null });
  });

  it('lists findings most severe first and filters by severity in any case', async () => {
    const all = await json(await fetch(`${portal.base}/api/findings?limit=200`));
    expect(all.total).toBe(24);
    const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'];
    const ranks = all.items.map((finding) => order.indexOf(finding.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

    const high = await json(await fetch(`${portal.base}/api/findings?severity=high&limit=3`));
    expect(high.total).toBe(fixture.counts.open.HIGH);
    expect(high.items).toHaveLength(3);
    expect(high.items.every((finding) => finding.severity === 'HIGH')).toBe(true);
    expect(high.next).toBe('/api/findings?severity=high&limit=3&offset=3');

    const past = await json(await fetch(`${portal.base}/api/findings?offset=500`));
    expect(past).toMatchObject({ items: [], total: 24, next: null });
  });

  it('refuses parameters it does not know or cannot read, saying which', async () => {
    const cases: [string, RegExp][] = [
      ['/api/findings?severity=SEVERE', /severity must be one of CRITICAL/],
      ['/api/findings?limit=0', /limit must be a whole number from 1 to 200/],
      ['/api/findings?limit=abc', /limit must be a whole number/],
      ['/api/assets?offset=-1', /offset must be a whole number/],
      ['/api/assets?tag=NoEquals', /tag must be Key=Value/],
      ['/api/assets?tag==value', /tag must be Key=Value/],
      ['/api/assets?type=', /type is empty/],
      ['/api/assets?owner=x', /unknown query parameter "owner"/],
      ['/api/findings?severity=HIGH&severity=LOW', /severity is given 2 times/],
    ];
    for (const [path, message] of cases) {
      const res = await fetch(`${portal.base}${path}`);
      expect({ path, status: res.status, error: (await json(res)).error }).toEqual({
        path,
        status: 400,
        error: expect.stringMatching(message),
      });
    }
  });

  it('answers unknown paths 404 and wrong methods 405 with Allow', async () => {
    expect((await fetch(`${portal.base}/api/nope`)).status).toBe(404);
    const post = await fetch(`${portal.base}/api/assets`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const get = await fetch(`${portal.base}/api/imports`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});
