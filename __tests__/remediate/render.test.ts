import { loadedFromText } from '../../actions/src/core/policy';
import { errorVerdict } from '../../actions/src/core/verdict';
import {
  auditRecordOf,
  chooseRemedy,
  emptyRemediateCounts,
  outcomesOf,
  planRemediation,
  remediationVerdict,
  type RemediateSubject,
} from '../../actions/src/remediate/plan';
import { describeRemediate, renderRemediate } from '../../actions/src/remediate/render';
import { shownText } from '../fixtures/markdown-shown';

const POLICY = loadedFromText('version: 1\n', 'built-in default');
const NOW = new Date('2026-11-30T04:15:00.000Z');
const SUBJECT: RemediateSubject = {
  rule: 'S3.8',
  control: 'S3.8',
  document: 'AWS-DisableS3BucketPublicReadWrite',
  source: 'securityhub',
  scope: { Environment: 'dev' },
  region: 'eu-west-1',
  accountId: '123456789012',
  execute: false,
};

function decided(resources: string[]) {
  const plan = planRemediation({
    remedy: chooseRemedy('S3.8', POLICY),
    targets: resources.map((resource) => ({ resource })),
    maxResources: 100,
    region: 'eu-west-1',
    accountId: '123456789012',
  });
  const outcomes = outcomesOf(plan, undefined, false);
  const verdict = remediationVerdict({
    plan,
    outcomes,
    subject: SUBJECT,
    policy: POLICY,
    now: NOW,
    warnings: [],
  });
  const record = auditRecordOf({
    identity: { id: 'x', actor: 'octocat' },
    startedAt: NOW,
    finishedAt: NOW,
    subject: SUBJECT,
    outcomes,
  });
  return {
    verdict,
    details: { plan, outcomes, record, audit: { location: 'audit', path: 'audit/x.json' } },
  };
}

describe('renderRemediate', () => {
  it('says there is nothing to remediate when no resource fails the rule', () => {
    const { verdict, details } = decided([]);
    expect(verdict.verdict).toBe('pass');
    const { summary, files } = renderRemediate(verdict, details, 'reports');
    expect(shownText(summary)).toContain(
      '**Nothing to remediate:** no non-compliant resource of S3.8 (s3-bucket-level-public-access-prohibited) was found.',
    );
    expect(describeRemediate(details, false, 'reports')).toBe(
      'nothing to remediate: no non-compliant resource of S3.8 (s3-bucket-level-public-access-prohibited)',
    );
    expect(JSON.parse(files['plan.json'] as string)).toMatchObject({ resources: [], dryRun: true });
  });

  it('escapes resource names from AWS: a bucket name cannot end a table or start a heading', () => {
    const { verdict, details } = decided(['arn:aws:s3:::a|b`#c']);
    const { summary } = renderRemediate(verdict, details, 'reports');
    // A heading holds escaped text: in a code span GitHub would show the backslash before `|`.
    expect(summary).toContain('#### arn:aws:s3:::a\\|b\\`\\#c\n');
    // A table cell keeps the code span: there `\|` is how a pipe stays in its cell.
    expect(summary).toContain('| Parameter S3BucketName | ``a\\|b`#c`` |');
  });

  it('keeps a heading whole whatever the resource id ends with', () => {
    const { verdict, details } = decided(['arn:aws:s3:::x #', 'arn:aws:s3:::y\\#']);
    const { summary } = renderRemediate(verdict, details, 'reports');
    expect(summary).toContain('#### arn:aws:s3:::x \\#\n');
    expect(summary).toContain('#### arn:aws:s3:::y\\\\\\#\n');
    expect(summary).not.toMatch(/^#### .*`/m);
  });

  it('says a run that could not decide ran nothing', () => {
    const verdict = errorVerdict<
      Partial<RemediateSubject>,
      ReturnType<typeof emptyRemediateCounts>,
      never
    >({
      command: 'remediate',
      subject: { rule: 'EC2.13' },
      counts: emptyRemediateCounts(),
      policy: POLICY,
      now: NOW,
      message: 'could not list Security Hub findings: AccessDeniedException',
    });
    const { summary, files } = renderRemediate(verdict, undefined, 'reports');
    expect(shownText(summary)).toMatch(/^## assetguard remediate: ⚠️ FAILED — EC2.13\n/);
    expect(summary).toContain('**Could not decide, so nothing was run (exit 2).**');
    expect(summary).toContain('AccessDeniedException');
    expect(files).toEqual({});
  });
});
