import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../../actions/src/core/errors';
import { parseDailyReportInputs } from '../../actions/src/report/inputs';
import { grants as policyGrants, loadPermissions, renderPolicy } from '../support/iam-permissions';

// The remediation-audit input: parsed once into a location, and wired in the repository's own
// workflow to where remediate writes, with the report role allowed to read it there.
const ROOT = join(__dirname, '../..');

function parse(values: Record<string, string>) {
  return parseDailyReportInputs((name) => values[name], {});
}

describe('the remediation-audit input', () => {
  it.each([
    [
      'an S3 prefix',
      's3://audit-bucket/assetguard/remediation-audit/',
      { kind: 's3', bucket: 'audit-bucket', prefix: 'assetguard/remediation-audit' },
    ],
    ['a bucket root', 's3://audit-bucket', { kind: 's3', bucket: 'audit-bucket', prefix: '' }],
    ['a directory', 'assetguard-audit', { kind: 'directory', path: 'assetguard-audit' }],
    ['a directory, trimmed', '  ./audit \n', { kind: 'directory', path: './audit' }],
  ])('takes %s', (_what, text, location) => {
    expect(parse({ 'remediation-audit': text }).remediationAudit).toEqual(location);
  });

  it.each([
    ['not given', {}],
    ['empty (an unset repository variable)', { 'remediation-audit': '' }],
  ])('leaves the section out when %s', (_what, values) => {
    expect(parse(values)).not.toHaveProperty('remediationAudit');
  });

  it.each([
    [
      'another scheme',
      'https://audit.example.com/records/',
      /^remediation-audit: "https:\/\/audit\.example\.com\/records\/" uses https:\/\/, which is not supported; expected s3:\/\/bucket\/prefix\/ or a directory/,
    ],
    ['no bucket', 's3:///records/', /^remediation-audit: "s3:\/\/\/records\/" names no bucket/],
    [
      'a bucket name S3 refuses',
      's3://Audit_Bucket/x/',
      /^remediation-audit: "s3:\/\/Audit_Bucket\/x\/" names "Audit_Bucket", which is not an S3 bucket name/,
    ],
  ])('refuses %s, naming the input', (_what, text, message) => {
    const attempt = () => parse({ 'remediation-audit': text });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(message);
  });
});

describe('the daily-report workflow and the report role', () => {
  const workflow = readFileSync(join(ROOT, '.github/workflows/daily-report.yml'), 'utf8');
  const remediate = readFileSync(join(ROOT, '.github/workflows/remediate.yml'), 'utf8');
  // The report role as Terraform renders it from permissions.json, for one stack's buckets.
  const role = loadPermissions().report;
  if (role === undefined) throw new Error('permissions.json has no role "report"');
  const policy = renderPolicy(role, {
    partition: 'aws',
    region: 'eu-west-1',
    account_id: '123456789012',
    state_bucket_arn: 'arn:aws:s3:::state-bucket',
    remediation_audit_bucket_arn: 'arn:aws:s3:::audit-bucket',
    report_bucket_arn: 'arn:aws:s3:::report-bucket',
  });
  const grants = (action: string, arn: string): boolean => policyGrants(policy, action, arn);
  /** The `s3://{0}/…` expression an input is given, with its bucket variable. */
  const locationOf = (text: string, input: string): string | undefined =>
    text
      .split('\n')
      .find((line) => new RegExp(`^\\s+${input}:`).test(line))
      ?.replace(/^\s+[a-z-]+:\s*/, '');

  it('reads the audit records where remediate.yml appends them', () => {
    const reads = locationOf(workflow, 'remediation-audit');
    expect(reads).toMatch(
      /^\$\{\{ vars\.REMEDIATION_AUDIT_BUCKET != '' && format\('s3:\/\/\{0\}\/assetguard\/remediation-audit\/', vars\.REMEDIATION_AUDIT_BUCKET\) \|\| '' }}$/,
    );
    expect(locationOf(remediate, 'audit')).toBe(reads);
  });

  it('lets the report role list and read the records, and never write them', () => {
    // Every placeholder filled: a new one would leave `<unset>` and the checks below mean nothing.
    expect(JSON.stringify(policy)).not.toContain('<unset>');
    const record =
      'arn:aws:s3:::audit-bucket/assetguard/remediation-audit/2026/03/02/20260302T041500Z-1-1.json';
    expect(grants('s3:GetObject', record)).toBe(true);
    expect(grants('s3:PutObject', record)).toBe(false);
    expect(grants('s3:DeleteObject', record)).toBe(false);
    // Listing a day's prefix is ListObjectsV2, which IAM authorizes as s3:ListBucket on the bucket.
    expect(grants('s3:ListBucket', 'arn:aws:s3:::audit-bucket')).toBe(true);
    // The state is still the only object it writes.
    expect(
      grants('s3:PutObject', 'arn:aws:s3:::state-bucket/assetguard/daily-report/state.json'),
    ).toBe(true);
    expect(grants('s3:PutObject', 'arn:aws:s3:::state-bucket/assetguard/other.json')).toBe(false);
    // Nor another bucket's records, nor the audit bucket outside the prefix.
    expect(
      grants('s3:GetObject', 'arn:aws:s3:::other-bucket/assetguard/remediation-audit/x.json'),
    ).toBe(false);
    expect(grants('s3:GetObject', 'arn:aws:s3:::audit-bucket/secrets/x.json')).toBe(false);
    expect(grants('s3:ListBucket', 'arn:aws:s3:::other-bucket')).toBe(false);
  });
});
