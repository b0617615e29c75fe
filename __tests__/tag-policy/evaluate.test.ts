import type { Asset } from '../../actions/src/core/model';
import { loadedFromText, type LoadedPolicy } from '../../actions/src/core/policy';
import {
  applyVerdict,
  evaluateAudit,
  type InventoryFacts,
  type TagSubject,
} from '../../actions/src/tag-policy/evaluate';

// The tag commands' verdicts, decided purely (table-driven, no AWS).
const NOW = new Date('2026-03-02T12:00:00Z');
const SUBJECT: TagSubject = { command: 'audit', execute: false, region: 'eu-west-1' };

function policy(minCoverage: number): LoadedPolicy {
  return loadedFromText(
    [
      'version: 1',
      'tags:',
      `  min-coverage: ${minCoverage}`,
      '  required:',
      '    Owner: {}',
      '    Environment: { allowed: [prod, dev], default: dev }',
      '',
    ].join('\n'),
    'policy.yml',
  );
}

function bucket(name: string, tags: Record<string, string>): Asset {
  return { arn: `arn:aws:s3:::${name}`, type: 'AWS::S3::Bucket', tags };
}

function inventory(complete = true): InventoryFacts {
  return {
    resources: [
      bucket('a', { Owner: 'ops', Environment: 'prod' }),
      bucket('b', { Owner: 'ops' }),
      bucket('c', {}),
      bucket('d', { Owner: 'web', Environment: 'production' }),
    ],
    complete,
    warnings: complete ? [] : ['AWS Config is not recording'],
  };
}

describe('evaluateAudit', () => {
  // 8 required (resource, key) pairs; 4 present and valid: a×2, b Owner, d Owner.
  it.each([
    ['passes at or above the minimum', 50, true, 'pass', [], undefined],
    [
      'blocks below the minimum, on tags.min-coverage',
      51,
      true,
      'block',
      [
        {
          id: 'tags.min-coverage',
          resource: '4 resource(s) in eu-west-1',
          reason: 'coverage 50% is below tags.min-coverage 51%',
        },
      ],
      undefined,
    ],
    [
      'cannot decide with a minimum and an incomplete inventory',
      10,
      false,
      'error',
      [],
      'AWS Config is not recording, so never-tagged resources cannot be counted',
    ],
    [
      'passes without a minimum even when the inventory is incomplete',
      0,
      false,
      'pass',
      [],
      undefined,
    ],
  ] as const)('%s', (_name, minCoverage, complete, verdict, blocking, error) => {
    const result = evaluateAudit({
      inventory: inventory(complete),
      policy: policy(minCoverage),
      subject: SUBJECT,
      now: NOW,
    });
    expect(result.verdict).toMatchObject({
      verdict,
      command: 'tags audit',
      subject: SUBJECT,
      evaluatedAt: NOW.toISOString(),
      counts: { resources: 4, coverage: 50, changes: 2 },
      blocking,
      excepted: [],
    });
    expect(result.verdict.error).toBe(error);
    expect(result.verdict.warnings).toEqual(inventory(complete).warnings);
    expect(result.checks).toHaveLength(4);
  });

  it('needs a tags.required section, and names the policy file', () => {
    expect(() =>
      evaluateAudit({
        inventory: inventory(),
        policy: loadedFromText('version: 1\n', 'bare.yml'),
        subject: SUBJECT,
        now: NOW,
      }),
    ).toThrow('bare.yml: the policy has no tags.required section');
  });
});

describe('applyVerdict', () => {
  const apply: TagSubject = { command: 'apply', execute: true, region: 'eu-west-1' };
  it.each([
    ['a dry run passes and counts what would change', undefined, 'pass', { changes: 3 }, undefined],
    [
      'a write passes when everything planned was tagged',
      { tagged: 3, failed: [] },
      'pass',
      { changes: 3, failed: 0 },
      undefined,
    ],
    [
      'a write with failures is an error naming the first',
      {
        tagged: 1,
        failed: [
          { arn: 'arn:aws:s3:::c', code: 'AccessDenied' },
          { arn: 'arn:aws:s3:::d', code: 'Throttling' },
        ],
      },
      'error',
      { changes: 1, failed: 2 },
      '2 resource(s) could not be tagged (first: arn:aws:s3:::c: AccessDenied)',
    ],
  ] as const)('%s', (_name, written, verdict, counts, error) => {
    const result = applyVerdict({
      subject: apply,
      policy: policy(0),
      now: NOW,
      inventory: inventory(),
      planned: 3,
      ...(written && { written }),
    });
    expect(result).toMatchObject({
      verdict,
      command: 'tags apply',
      counts: { resources: 4, ...counts },
    });
    expect(result.error).toBe(error);
  });
});
