import { buildEvidence, type Evidence } from '../../actions/src/core/evidence';
import type { Finding, Severity } from '../../actions/src/core/model';
import { loadedFromText, type LoadedPolicy } from '../../actions/src/core/policy';
import type { AnyVerdict } from '../../actions/src/core/verdict';
import {
  evaluateCompliance,
  type ComplianceSubject,
} from '../../actions/src/compliance-gate/evaluate';
import {
  diffVerdicts,
  evaluatePrSummary,
  gateResults,
  previewGate,
  type GateFiles,
  type GatePreview,
} from '../../actions/src/pr-summary/evaluate';
import { evaluateImage, type ImageSubject } from '../../actions/src/scan-gate/evaluate';
import { evaluateAudit, type InventoryFacts } from '../../actions/src/tag-policy/evaluate';

// Pure: bundles are built with the gates' own evaluators, as the gates build them, and the
// preview re-evaluates them. No mocks, no files, no clock: the gate's recorded time is RECORDED,
// a date in the past, so an exception valid then but expired by the time the tests run still
// applies in the preview.
const RECORDED = new Date('2025-06-01T12:00:00Z');
const NOW = new Date('2026-03-02T12:00:00Z');
const DIGEST = `sha256:${'d'.repeat(64)}`;
const IMAGE: ImageSubject = {
  image: 'web:1.0.1',
  repository: 'web',
  digest: DIGEST,
  tag: '1.0.1',
  region: 'us-east-1',
};
const FILE = 'reports/scan-gate/evidence.json';

function imageFinding(id: string, severity: Severity): Finding {
  return {
    id,
    sourceId: `arn:aws:inspector2:us-east-1:123456789012:finding/${id}`,
    source: 'inspector2',
    severity,
    status: 'ACTIVE',
    title: `${id} in openssl`,
    resource: {
      id: `arn:aws:ecr:us-east-1:123456789012:repository/web/${DIGEST}`,
      type: 'AWS_ECR_CONTAINER_IMAGE',
      repository: 'web',
      imageDigest: DIGEST,
    },
    packages: [{ name: 'openssl', installedVersion: '3.0.1', fixedVersion: '3.0.2' }],
    fixAvailable: 'yes',
  };
}

const FINDINGS = [
  imageFinding('CVE-2024-0001', 'CRITICAL'),
  imageFinding('CVE-2024-0002', 'HIGH'),
  imageFinding('CVE-2024-0003', 'MEDIUM'),
  imageFinding('CVE-2024-0004', 'MEDIUM'),
  imageFinding('CVE-2024-0005', 'LOW'),
];

function policy(yaml: string, origin = '.github/assetguard.yml'): LoadedPolicy {
  return loadedFromText(`version: 1\n${yaml}`, origin);
}

const exception = (id: string, expires: string) =>
  `exceptions:\n  - { id: ${id}, reason: not reachable, owner: sec@example.com, expires: ${expires} }\n`;

/** A scan-gate bundle as the gate writes it (JSON round trip included), under `recordedWith`. */
function scanBundle(findings: Finding[], recordedWith: LoadedPolicy): Evidence {
  const verdict = evaluateImage({ findings, policy: recordedWith, subject: IMAGE, now: RECORDED });
  return JSON.parse(
    JSON.stringify(
      buildEvidence({
        command: 'scan-gate',
        inputs: { image: IMAGE.image },
        context: { listFindingsCalls: 1, droppedByClientCheck: 0 },
        policy: recordedWith,
        findings,
        verdict,
      }),
    ),
  ) as Evidence;
}

const COMPLIANCE: ComplianceSubject = {
  source: 'securityhub',
  region: 'us-east-1',
  scope: { tags: { Environment: 'prod' }, rules: [] },
  rules: {
    evaluated: 2,
    compliant: [],
    nonCompliant: ['IAM.7', 'S3.8'],
    insufficientData: [],
    notApplicable: [],
  },
};

function controlFinding(id: string, severity: Severity, resource: string): Finding {
  return {
    id,
    sourceId: `arn:aws:securityhub:us-east-1:123456789012:finding/${id}`,
    source: 'securityhub',
    severity,
    status: 'ACTIVE',
    title: `${id} control check`,
    resource: { id: resource, type: 'AwsS3Bucket', region: 'us-east-1' },
    packages: [],
    fixAvailable: 'yes',
  };
}

function complianceBundle(recordedWith: LoadedPolicy): Evidence {
  const findings = [
    controlFinding('S3.8', 'HIGH', 'arn:aws:s3:::shop-prod-assets'),
    controlFinding('IAM.7', 'MEDIUM', 'AWS::::Account:123456789012'),
  ];
  const verdict = evaluateCompliance({
    findings,
    policy: recordedWith,
    subject: COMPLIANCE,
    now: RECORDED,
    notes: [],
  });
  return JSON.parse(
    JSON.stringify(
      buildEvidence({
        command: 'compliance-gate',
        inputs: { source: 'securityhub' },
        context: { notes: [] },
        policy: recordedWith,
        findings,
        verdict,
      }),
    ),
  ) as Evidence;
}

const TAG_POLICY = 'tags:\n  required: { Owner: {}, Service: {} }\n  min-coverage: 100\n';

/** A tags audit bundle of two resources, one missing Service, under `recordedWith`. */
function auditBundle(recordedWith: LoadedPolicy): Evidence {
  const inventory: InventoryFacts = {
    resources: [
      { arn: 'arn:aws:s3:::shop-assets', type: 'AWS::S3::Bucket', tags: { Owner: 'sec' } },
      {
        arn: 'arn:aws:s3:::shop-logs',
        type: 'AWS::S3::Bucket',
        tags: { Owner: 'sec', Service: 'shop' },
      },
    ],
    complete: true,
    warnings: [],
  };
  const { verdict } = evaluateAudit({
    inventory,
    policy: recordedWith,
    subject: { command: 'audit', execute: false, region: 'us-east-1' },
    now: RECORDED,
  });
  return JSON.parse(
    JSON.stringify(
      buildEvidence({
        command: 'tags audit',
        inputs: {},
        context: { inventory },
        policy: recordedWith,
        findings: [],
        verdict,
      }),
    ),
  ) as Evidence;
}

function preview(evidence: Evidence, base: LoadedPolicy, pr: LoadedPolicy): GatePreview {
  return previewGate({ evidence, file: FILE, recorded: evidence.verdict, base, pr });
}

const ids = (items: { id: string }[]) => items.map((item) => item.id);

describe('previewGate: what the pull request policy newly blocks, at the time the gate ran', () => {
  it.each<{
    name: string;
    base: string;
    pr: string;
    findings?: Finding[];
    verdicts: [string, string];
    newly: string[];
    noLonger: string[];
  }>([
    {
      name: 'adding MEDIUM to image.fail-on newly blocks the MEDIUM findings',
      base: 'image: { fail-on: [CRITICAL, HIGH] }\n',
      pr: 'image: { fail-on: [CRITICAL, HIGH, MEDIUM] }\n',
      verdicts: ['block', 'block'],
      newly: ['CVE-2024-0003', 'CVE-2024-0004'],
      noLonger: [],
    },
    {
      name: 'removing HIGH from image.fail-on no longer blocks the HIGH finding',
      base: 'image: { fail-on: [CRITICAL, HIGH] }\n',
      pr: 'image: { fail-on: [CRITICAL] }\n',
      verdicts: ['block', 'block'],
      newly: [],
      noLonger: ['CVE-2024-0002'],
    },
    {
      name: 'a pass becomes a block when HIGH is added',
      base: 'image: { fail-on: [CRITICAL] }\n',
      pr: 'image: { fail-on: [CRITICAL, HIGH] }\n',
      findings: FINDINGS.filter((finding) => finding.severity !== 'CRITICAL'),
      verdicts: ['pass', 'block'],
      newly: ['CVE-2024-0002'],
      noLonger: [],
    },
    {
      name: 'removing an exception newly blocks that CVE',
      base: exception('CVE-2024-0002', '2025-12-31'),
      pr: 'exceptions: []\n',
      verdicts: ['block', 'block'],
      newly: ['CVE-2024-0002'],
      noLonger: [],
    },
    {
      name: 'adding an exception valid at the recorded time no longer blocks that CVE (though it has expired since)',
      base: 'exceptions: []\n',
      pr: exception('CVE-2024-0002', '2025-12-31'),
      verdicts: ['block', 'block'],
      newly: [],
      noLonger: ['CVE-2024-0002'],
    },
    {
      name: 'an exception valid through the recorded day still applies on that day',
      base: 'exceptions: []\n',
      pr: exception('CVE-2024-0002', '2025-06-01'),
      verdicts: ['block', 'block'],
      newly: [],
      noLonger: ['CVE-2024-0002'],
    },
    {
      name: 'adding an exception that had already expired at the recorded time changes nothing',
      base: 'exceptions: []\n',
      pr: exception('CVE-2024-0002', '2025-05-31'),
      verdicts: ['block', 'block'],
      newly: [],
      noLonger: [],
    },
    {
      name: 'extending an exception that had expired at the recorded time no longer blocks that CVE',
      base: exception('CVE-2024-0001', '2025-05-31'),
      pr: exception('CVE-2024-0001', '2026-05-31'),
      verdicts: ['block', 'block'],
      newly: [],
      noLonger: ['CVE-2024-0001'],
    },
    {
      name: 'a comment-only change moves nothing',
      base: 'image: { fail-on: [CRITICAL, HIGH] }\n',
      pr: '# reviewed by security\nimage: { fail-on: [CRITICAL, HIGH] }\n',
      verdicts: ['block', 'block'],
      newly: [],
      noLonger: [],
    },
  ])('$name', ({ base, pr, findings = FINDINGS, verdicts, newly, noLonger }) => {
    const prPolicy = policy(pr);
    // The gates ran with the pull request's policy.
    const result = preview(scanBundle(findings, prPolicy), policy(base, 'base.yml'), prPolicy);
    expect(result.status).toBe('previewed');
    if (result.status !== 'previewed') return;
    expect([result.changes.base, result.changes.pr]).toEqual(verdicts);
    expect(ids(result.changes.newlyBlocks)).toEqual(newly);
    expect(ids(result.changes.noLongerBlocks)).toEqual(noLonger);
    expect(result.notes).toEqual([]);
  });

  it('previews a compliance-gate bundle: adding MEDIUM to compliance.fail-on newly blocks the MEDIUM control', () => {
    const pr = policy('compliance: { fail-on: [CRITICAL, HIGH, MEDIUM] }\n');
    const result = preview(complianceBundle(pr), policy('', 'base.yml'), pr);
    expect(result).toMatchObject({ status: 'previewed' });
    if (result.status !== 'previewed') return;
    expect(result.changes.newlyBlocks).toEqual([
      expect.objectContaining({
        id: 'IAM.7',
        severity: 'MEDIUM',
        resource: 'AWS::::Account:123456789012',
      }),
    ]);
    expect(result.changes.noLongerBlocks).toEqual([]);
  });

  it('notes a gate that ran with another policy than the pull request file', () => {
    const recorded = policy('image: { fail-on: [CRITICAL] }\n', 'other.yml');
    const pr = policy('image: { fail-on: [CRITICAL, HIGH, MEDIUM] }\n');
    const result = preview(scanBundle(FINDINGS, recorded), policy('', 'base.yml'), pr);
    expect(result.status).toBe('previewed');
    if (result.status !== 'previewed') return;
    expect(result.notes).toEqual([
      expect.stringContaining('scan-gate ran with other.yml (sha256 '),
    ]);
    expect(ids(result.changes.newlyBlocks)).toEqual(['CVE-2024-0003', 'CVE-2024-0004']);
  });
});

describe('previewGate fails closed on a bundle it cannot trust or read', () => {
  const pr = policy('image: { fail-on: [CRITICAL, HIGH, MEDIUM] }\n');
  const base = policy('', 'base.yml');
  it.each<[string, (evidence: Evidence) => { evidence: Evidence; recorded?: AnyVerdict }, RegExp]>([
    [
      'the policy text was edited (its sha256 no longer matches)',
      (evidence) => ({
        evidence: {
          ...evidence,
          policy: { ...evidence.policy, text: `${evidence.policy.text}exceptions: []\n` },
        },
      }),
      /policy text does not match its recorded sha256; the bundle was altered/,
    ],
    [
      'a finding was removed from the bundle',
      (evidence) => ({ evidence: { ...evidence, findings: evidence.findings.slice(1) } }),
      /does not reproduce its own recorded verdict: the bundle was altered/,
    ],
    [
      'verdict.json is not the verdict the bundle records',
      (evidence) => ({
        evidence,
        recorded: { ...evidence.verdict, verdict: 'pass', blocking: [] },
      }),
      /verdict\.json is not the verdict reports\/scan-gate\/evidence\.json records/,
    ],
    [
      'the bundle was written by a command replay does not know',
      (evidence) => ({ evidence: { ...evidence, command: 'fleet-check' } }),
      /cannot replay command "fleet-check"/,
    ],
    [
      'the image subject lacks its digest',
      (evidence) => ({
        evidence: {
          ...evidence,
          verdict: { ...evidence.verdict, subject: { image: 'web:1', repository: 'web' } },
        },
      }),
      /malformed: verdict\.subject\.digest is missing/,
    ],
  ])('%s', (_name, alter, reason) => {
    const altered = alter(scanBundle(FINDINGS, pr));
    const result = previewGate({
      evidence: altered.evidence,
      file: FILE,
      recorded: altered.recorded ?? altered.evidence.verdict,
      base,
      pr,
    });
    expect(result.status).toBe('failed');
    expect(result.status === 'failed' && result.reason).toMatch(reason);
  });

  it('has nothing to re-evaluate when the gate could not decide', () => {
    const evidence = scanBundle(FINDINGS, pr);
    const undecided = {
      ...evidence,
      verdict: { ...evidence.verdict, verdict: 'error' as const, error: 'timed out' },
    };
    expect(preview(undecided, base, pr)).toEqual({ status: 'not decided' });
  });
});

describe('diffVerdicts', () => {
  it('keys entries by id and resource: the same CVE in another image is another entry', () => {
    const entry = (id: string, resource: string) => ({ id, resource, reason: 'r' });
    const verdict = (blocking: ReturnType<typeof entry>[]): AnyVerdict => ({
      verdict: blocking.length > 0 ? 'block' : 'pass',
      command: 'scan-gate',
      subject: {},
      evaluatedAt: RECORDED.toISOString(),
      policy: { origin: 'p', sha256: '' },
      counts: {},
      blocking,
      excepted: [],
      exceptions: { expired: [], expiringSoon: [], stale: [] },
      warnings: [],
    });
    const changes = diffVerdicts(
      verdict([entry('CVE-1', 'web@a'), entry('CVE-2', 'web@a')]),
      verdict([entry('CVE-1', 'web@b'), entry('CVE-2', 'web@a')]),
    );
    expect(changes.newlyBlocks.map((item) => item.resource)).toEqual(['web@b']);
    expect(changes.noLongerBlocks.map((item) => item.resource)).toEqual(['web@a']);
  });
});

describe('evaluatePrSummary: the gates combined, failing closed', () => {
  const pr = policy('image: { fail-on: [CRITICAL, HIGH, MEDIUM] }\n');
  const base = policy('', 'base.yml');
  const blocked = scanBundle(FINDINGS, pr);
  const passed = complianceBundle(policy('compliance: { fail-on: [CRITICAL] }\n'));
  const gate = (dir: string, evidence: Evidence): GateFiles => ({
    dir,
    verdict: evidence.verdict,
    evidence: { evidence, file: `${dir}/evidence.json` },
  });

  /** `basePolicy` null: none given. */
  function summarize(files: GateFiles[], given: LoadedPolicy | null = base) {
    const basePolicy = given ?? undefined;
    return evaluatePrSummary({
      gates: gateResults(files, pr, basePolicy),
      policy: pr,
      basePolicy,
      now: NOW,
    });
  }

  it('blocks (and counts the preview) when a gate blocked', () => {
    const verdict = summarize([gate('scan', blocked), gate('compliance', passed)]);
    expect(verdict.verdict).toBe('block');
    expect(verdict.counts).toEqual({
      gates: 2,
      pass: 1,
      block: 1,
      error: 0,
      noVerdict: 0,
      refused: 0,
      // MEDIUM CVE-2024-0003 and -0004 in the image; the compliance gate's policy is its own.
      newlyBlocking: 2,
      noLongerBlocking: 0,
      previewFailed: 0,
    });
    expect(verdict.blocking.map((entry) => [entry.gate, entry.id])).toEqual([
      ['scan', 'CVE-2024-0001'],
      ['scan', 'CVE-2024-0002'],
      ['scan', 'CVE-2024-0003'],
      ['scan', 'CVE-2024-0004'],
    ]);
    expect(verdict.subject.policyChanged).toBe(true);
    expect(verdict.evaluatedAt).toBe(NOW.toISOString());
    // The compliance gate ran with another policy than the pull request file: said, not hidden.
    expect(verdict.warnings).toEqual([expect.stringContaining('compliance-gate ran with')]);
  });

  it('passes when every gate passed, and makes no preview when the policy text is the same', () => {
    const verdict = summarize(
      [gate('compliance', passed)],
      policy(pr.text.slice('version: 1\n'.length), 'base.yml'),
    );
    expect(verdict.verdict).toBe('pass');
    expect(verdict.subject.policyChanged).toBe(false);
    expect(verdict.subject.gates).toEqual([
      { dir: 'compliance', command: 'compliance-gate', verdict: 'pass' },
    ]);
    expect(verdict.error).toBeUndefined();
  });

  it('is an error, never a pass, when a report directory has no verdict', () => {
    const verdict = summarize([
      gate('compliance', passed),
      { dir: 'scan', noVerdict: 'scan/verdict.json does not exist' },
    ]);
    expect(verdict.verdict).toBe('error');
    expect(verdict.counts.noVerdict).toBe(1);
    expect(verdict.error).toContain('scan: no verdict (scan/verdict.json does not exist)');
  });

  it('is an error when a gate could not decide', () => {
    const undecided: GateFiles = {
      dir: 'scan',
      verdict: { ...blocked.verdict, verdict: 'error', blocking: [], error: 'AccessDenied' },
    };
    const verdict = summarize([undecided, gate('compliance', passed)]);
    expect(verdict.verdict).toBe('error');
    expect(verdict.error).toContain('scan: scan-gate could not decide: AccessDenied');
    expect(verdict.subject.gates[0]).toMatchObject({ verdict: 'error', preview: 'not decided' });
  });

  it('is an error when a gate has no readable evidence, with or without a policy change', () => {
    for (const given of [base, null]) {
      const verdict = summarize(
        [{ dir: 'scan', verdict: blocked.verdict, evidenceProblem: 'bundle: cannot read scan' }],
        given,
      );
      expect(verdict.verdict).toBe('error');
      expect(verdict.counts).toMatchObject({ refused: 1, block: 0, previewFailed: 0 });
      expect(verdict.error).toContain(
        'scan: its reports fail their check, so its verdict is not taken: bundle: cannot read scan',
      );
    }
  });

  it('checks the bundle when no base policy is given, and previews nothing', () => {
    const verdict = summarize([gate('scan', blocked)], null);
    expect(verdict.verdict).toBe('block');
    expect(verdict.subject.gates[0]?.preview).toBeUndefined();
  });

  describe('a verdict.json set to pass over evidence that records a block (the tester case)', () => {
    const forged: GateFiles = {
      ...gate('out/demo/web-1.0.0', blocked),
      verdict: { ...blocked.verdict, verdict: 'pass', blocking: [] },
    };
    it.each<[string, LoadedPolicy | null]>([
      ['no base policy', null],
      ['the same policy text', policy(pr.text.slice('version: 1\n'.length), 'base.yml')],
      ['a changed policy', base],
    ])('is refused with %s: error naming the directory, never a pass', (_, given) => {
      const verdict = summarize([forged, gate('compliance', passed)], given);
      expect(verdict.verdict).toBe('error');
      expect(verdict.counts).toMatchObject({ gates: 2, pass: 1, refused: 1 });
      expect(verdict.error).toMatch(
        /^1 problem keeps this summary from deciding \(it fails closed\):\nout\/demo\/web-1\.0\.0: its reports fail their check, so its verdict is not taken: verdict\.json is not the verdict out\/demo\/web-1\.0\.0\/evidence\.json records \(verdict\.json: pass with 0 blocking; evidence\.json: block with 4\)/,
      );
      expect(verdict.subject.gates[0]).toMatchObject({
        dir: 'out/demo/web-1.0.0',
        refused: expect.stringContaining('one of them was altered') as unknown,
      });
    });
  });

  it('is refused when the evidence no longer reproduces its own verdict, even without a policy change', () => {
    const edited = JSON.parse(JSON.stringify(blocked)) as Evidence;
    // Both files edited together: the findings no longer give the recorded verdict.
    edited.findings = edited.findings.filter((finding) => finding.severity === 'LOW');
    const verdict = summarize([gate('scan', edited)], null);
    expect(verdict.verdict).toBe('error');
    expect(verdict.error).toContain('does not reproduce its own recorded verdict');
  });

  it.each([
    ['report', 'the daily report'],
    ['remediate', 'remediate'],
    ['fleet-check', 'fleet-check'],
    ['tags apply', 'tags apply'],
  ])('refuses a %s report directory (%s): not a gate, named with its command', (command) => {
    const other: GateFiles = {
      dir: `reports/${command.replace(' ', '-')}`,
      verdict: { ...passed.verdict, command, blocking: [] },
    };
    for (const given of [base, null]) {
      const verdict = summarize([other, gate('compliance', passed)], given);
      expect(verdict.verdict).toBe('error');
      expect(verdict.counts).toMatchObject({ pass: 1, refused: 1 });
      expect(verdict.error).toContain(
        `reports/${command.replace(' ', '-')}: written by "${command}", which is not a gate: pr-summary takes the report directories of scan-gate, compliance-gate, tags audit only`,
      );
    }
  });

  it('refuses a non-gate directory whose run could not decide as well', () => {
    const other: GateFiles = {
      dir: 'reports/daily',
      verdict: { ...passed.verdict, command: 'report', verdict: 'error', error: 'x' },
    };
    const verdict = summarize([other], null);
    expect(verdict.error).toContain('reports/daily: written by "report", which is not a gate');
  });

  it('says "problems keep" for more than one', () => {
    const verdict = summarize([
      { dir: 'a', noVerdict: 'a/verdict.json does not exist' },
      { dir: 'b', noVerdict: 'b/verdict.json does not exist' },
    ]);
    expect(verdict.error).toMatch(/^2 problems keep this summary from deciding/);
  });
});

describe('a tags audit when a policy has no tags section', () => {
  const pr = policy(TAG_POLICY);
  const audit = auditBundle(pr);
  const files: GateFiles[] = [
    {
      dir: 'tags',
      verdict: audit.verdict,
      evidence: { evidence: audit, file: 'tags/evidence.json' },
    },
  ];

  it('the bundle blocks under the tag policy (one resource lacks Service)', () => {
    expect(audit.verdict.verdict).toBe('block');
  });

  it('previews a base policy without tags: as "nothing blocked there", so the PR introducing it is a plain block, not an error', () => {
    for (const base of [
      policy('', 'base.yml'),
      policy('image: { fail-on: [CRITICAL] }\n', 'base.yml'),
    ]) {
      const gates = gateResults(files, pr, base);
      const result = gates[0]?.preview;
      expect(result?.status).toBe('previewed');
      if (result?.status !== 'previewed') return;
      expect(result.changes).toMatchObject({ base: 'pass', pr: 'block', withoutSection: ['base'] });
      expect(ids(result.changes.newlyBlocks)).toEqual(['tags.min-coverage']);
      expect(result.changes.noLongerBlocks).toEqual([]);
      const verdict = evaluatePrSummary({ gates, policy: pr, basePolicy: base, now: NOW });
      expect(verdict.verdict).toBe('block');
      expect(verdict.error).toBeUndefined();
    }
  });

  it('a pull request removing the tag policy: under it the audit blocks nothing', () => {
    const result = preview(audit, pr, policy('', 'pr-without-tags.yml'));
    expect(result.status).toBe('previewed');
    if (result.status !== 'previewed') return;
    expect(result.changes).toMatchObject({ base: 'block', pr: 'pass', withoutSection: ['pr'] });
    expect(ids(result.changes.noLongerBlocks)).toEqual(['tags.min-coverage']);
  });

  it('both policies with the section: no withoutSection', () => {
    const result = preview(audit, policy(TAG_POLICY.replace('100', '50'), 'base.yml'), pr);
    expect(result.status).toBe('previewed');
    if (result.status !== 'previewed') return;
    expect(result.changes.withoutSection).toBeUndefined();
    expect(result.changes).toMatchObject({ base: 'pass', pr: 'block' });
  });
});
