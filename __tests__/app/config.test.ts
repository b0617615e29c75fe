/**
 * @jest-environment ./__tests__/app/environment.ts
 */
/** The portal's settings from the environment, and what each database setting turns into. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';

import { loadConfig, type DatabaseConfig } from '../../app/src/config';
import { tlsOptions } from '../../app/src/db';

type Postgres = Extract<DatabaseConfig, { kind: 'postgresql' }>;
const postgres = (env: NodeJS.ProcessEnv): Postgres => loadConfig(env).database as Postgres;

describe('loadConfig', () => {
  it('defaults to in-memory PGlite, port 8080, no imports and no OTLP export', () => {
    expect(loadConfig({})).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      database: { kind: 'pglite' },
      migrateOnStart: true,
      shutdownTimeoutMs: 20_000,
      telemetry: { serviceName: 'assetguard-portal' },
    });
    expect(loadConfig({}).importToken).toBeUndefined();
    expect(loadConfig({}).telemetry.otlpEndpoint).toBeUndefined();
    expect(loadConfig({ PGLITE_DIR: '/data' }).database).toEqual({
      kind: 'pglite',
      dataDir: '/data',
    });
  });

  it('takes the RDS password from DATABASE_PASSWORD (ECS secrets) and verifies TLS for a remote host', () => {
    const config = postgres({
      DATABASE_URL: 'postgres://portal@prod-portal.abc.eu-west-1.rds.amazonaws.com:5432/portal',
      DATABASE_PASSWORD: 'p@ss:word/with%chars',
    });
    expect(config).toMatchObject({
      kind: 'postgresql',
      password: 'p@ss:word/with%chars',
      tls: 'verify-full',
      poolMax: 10,
    });
    expect(config.url).toBe(
      'postgres://portal@prod-portal.abc.eu-west-1.rds.amazonaws.com:5432/portal',
    );
    expect(postgres({ DATABASE_URL: 'postgres://u:se%2Fcret@db.internal/portal' })).toMatchObject({
      password: 'se/cret',
      url: 'postgres://u@db.internal/portal',
    });
    expect(postgres({ DATABASE_URL: 'postgresql://u@127.0.0.1/portal' }).tls).toBe('disable');
  });

  it('refuses settings it cannot use, naming the variable and never echoing a password', () => {
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{ DATABASE_URL: 'mysql://u@h/db' }, /^DATABASE_URL must start with postgres:\/\//],
      [{ DATABASE_URL: 'not a url :secret' }, /^DATABASE_URL is not a URL: expected postgres:/],
      [{ DATABASE_URL: 'postgres://u@h' }, /^DATABASE_URL must name a host and a database/],
      [
        { DATABASE_URL: 'postgres://u@h/db?sslmode=disable' },
        /must not carry sslmode: set DATABASE_TLS/,
      ],
      [
        { DATABASE_URL: 'postgres://u:x@h/db', DATABASE_PASSWORD: 'y' },
        /carries a password and DATABASE_PASSWORD is set too/,
      ],
      [
        { DATABASE_URL: 'postgres://u@h/db', DATABASE_TLS: 'prefer' },
        /^DATABASE_TLS must be verify-full, require or disable/,
      ],
      [
        { DATABASE_URL: 'postgres://u@h/db', DATABASE_CA_FILE: '/nonexistent/ca.pem' },
        /^DATABASE_CA_FILE \/nonexistent\/ca\.pem cannot be read \(ENOENT\)/,
      ],
      [{ PORTAL_IMPORT_TOKEN: 'too-short' }, /^PORTAL_IMPORT_TOKEN must be at least 24 characters/],
      [{ PORT: '80a' }, /^PORT must be a whole number from 0 to 65535, got "80a"/],
      [{ LOG_LEVEL: 'verbose' }, /^LOG_LEVEL must be one of fatal/],
      [{ PORTAL_MIGRATE: 'yes' }, /^PORTAL_MIGRATE must be true or false/],
      [
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' },
        /^OTEL_EXPORTER_OTLP_ENDPOINT must be http\(s\)/,
      ],
    ];
    for (const [env, message] of cases) {
      expect(() => loadConfig(env)).toThrow(message);
    }
    expect(() => loadConfig({ DATABASE_URL: 'not a url :secret' })).not.toThrow(/secret/);
  });

  it('polls no report source unless REPORT_S3_URI names one object', () => {
    expect(loadConfig({}).reportSource).toBeUndefined();
    expect(
      loadConfig({ REPORT_S3_URI: 's3://prod-portal-reports-1-eu-west-1/portal/report.json' })
        .reportSource,
    ).toEqual({
      bucket: 'prod-portal-reports-1-eu-west-1',
      key: 'portal/report.json',
      uri: 's3://prod-portal-reports-1-eu-west-1/portal/report.json',
      pollSeconds: 300,
    });
    expect(
      loadConfig({ REPORT_S3_URI: 's3://reports/r.json', REPORT_POLL_SECONDS: '60' }).reportSource
        ?.pollSeconds,
    ).toBe(60);
    for (const uri of [
      'reports/portal/report.json',
      's3://reports',
      's3://reports/portal/',
      's3://Bad_Bucket/r.json',
    ]) {
      expect(() => loadConfig({ REPORT_S3_URI: uri })).toThrow(
        /^REPORT_S3_URI must be s3:\/\/BUCKET\/KEY/,
      );
    }
    expect(() =>
      loadConfig({ REPORT_S3_URI: 's3://reports/r.json', REPORT_POLL_SECONDS: '1' }),
    ).toThrow(/REPORT_POLL_SECONDS must be a whole number from 10 to 86400/);
    expect(() => loadConfig({ REPORT_POLL_SECONDS: '60' })).toThrow(/REPORT_S3_URI is not/);
  });

  it('trims a trailing slash from the OTLP endpoint (the exporters append /v1/traces)', () => {
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318/' }).telemetry.otlpEndpoint,
    ).toBe('http://localhost:4318');
  });
});

describe('tlsOptions', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portal-ca-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies against Node roots plus the Amazon RDS CAs and DATABASE_CA_FILE', () => {
    const pem = `-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n`;
    writeFileSync(join(dir, 'ca.pem'), pem);
    const options = tlsOptions(
      postgres({
        DATABASE_URL: 'postgres://u@db.example.com/portal',
        DATABASE_CA_FILE: join(dir, 'ca.pem'),
      }),
    );
    if (typeof options !== 'object') throw new Error('expected TLS options');
    expect(options.rejectUnauthorized).toBe(true);
    const ca = options.ca as string[];
    expect(ca.length).toBeGreaterThan(rootCertificates.length + 10);
    expect(ca).toEqual(expect.arrayContaining([rootCertificates[0], pem]));
    expect(
      tlsOptions(
        postgres({ DATABASE_URL: 'postgres://u@db.example.com/portal', DATABASE_TLS: 'require' }),
      ),
    ).toEqual({
      rejectUnauthorized: false,
    });
    expect(tlsOptions(postgres({ DATABASE_URL: 'postgres://u@localhost/portal' }))).toBe(false);
  });
});
