import type { Finding } from '../../actions/src/core/model';
import { loadedFromText, type LoadedPolicy } from '../../actions/src/core/policy';
import { evaluateCompliance } from '../../actions/src/compliance-gate/evaluate';
import { evaluateImage, type ImageSubject } from '../../actions/src/scan-gate/evaluate';

// An empty fail-on is accepted (report-only use), but a verdict under it must never look like a
// gate that was passed: every verdict says the policy can never block.
const DIGEST = `sha256:${'d'.repeat(64)}`;
const SUBJECT: ImageSubject = {
  image: `web@${DIGEST}`,
  repository: 'web',
  digest: DIGEST,
  region: 'us-east-1',
};
const NOW = new Date('2026-03-02T12:00:00Z');

function policy(...yaml: string[]): LoadedPolicy {
  return loadedFromText(`${['version: 1', ...yaml].join('\n')}\n`, '.github/assetguard.yml');
}

const critical: Finding = {
  id: 'CVE-2024-0001',
  sourceId: 'f/1',
  source: 'inspector2',
  severity: 'CRITICAL',
  status: 'ACTIVE',
  title: 'CVE-2024-0001',
  resource: { id: 'arn', type: 'AWS_ECR_CONTAINER_IMAGE', repository: 'web' },
  packages: [],
  fixAvailable: 'yes',
};

const IMAGE_NEVER =
  'image.fail-on is empty and image.also-block sets nothing: this policy can never block a deploy (list the severities that must block, e.g. fail-on: [CRITICAL, HIGH])';

describe('a policy that can never block says so in every verdict', () => {
  it('scan-gate with image.fail-on: [] passes a CRITICAL, warning that it can never block', () => {
    const verdict = evaluateImage({
      findings: [critical],
      policy: policy('image:', '  fail-on: []'),
      subject: SUBJECT,
      now: NOW,
    });
    expect(verdict.verdict).toBe('pass');
    expect(verdict.warnings[0]).toBe(IMAGE_NEVER);
  });

  it('no warning when image.also-block can still block', () => {
    const verdict = evaluateImage({
      findings: [critical],
      policy: policy('image:', '  fail-on: []', '  also-block: { exploit-available: true }'),
      subject: SUBJECT,
      now: NOW,
    });
    expect(verdict.warnings).toEqual([]);
  });

  it('names the classification level whose fail-on is empty', () => {
    const verdict = evaluateImage({
      findings: [critical],
      policy: policy(
        'tags:',
        '  required: { DataClassification: {} }',
        '  classification:',
        '    key: DataClassification',
        '    levels:',
        '      public: { image: { fail-on: [] } }',
      ),
      subject: { ...SUBJECT, repositoryTags: { DataClassification: 'public' } },
      now: NOW,
    });
    expect(verdict.warnings[0]).toMatch(
      /^the fail-on of classification public is empty and image\.also-block sets nothing: this policy can never block a deploy/,
    );
  });

  it('compliance-gate with compliance.fail-on: [] warns that it can never block', () => {
    const verdict = evaluateCompliance({
      findings: [{ ...critical, id: 'EC2.13', source: 'config' }],
      policy: policy('compliance:', '  fail-on: []'),
      subject: {
        source: 'config',
        region: 'us-east-1',
        scope: { tags: {}, rules: [] },
        rules: {
          evaluated: 1,
          compliant: [],
          nonCompliant: ['restricted-ssh'],
          insufficientData: [],
          notApplicable: [],
        },
      },
      now: NOW,
    });
    expect(verdict.verdict).toBe('pass');
    expect(verdict.warnings[0]).toBe(
      'compliance.fail-on is empty: this policy can never block a deploy (list the severities that must block, e.g. fail-on: [CRITICAL, HIGH])',
    );
  });

  it('a policy that blocks gets no such warning', () => {
    const verdict = evaluateImage({
      findings: [critical],
      policy: policy(),
      subject: SUBJECT,
      now: NOW,
    });
    expect(verdict.verdict).toBe('block');
    expect(verdict.warnings).toEqual([]);
  });
});
