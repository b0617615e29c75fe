import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import {
  asffFinding,
  planImport,
  type ActiveFleetFinding,
  type HostImport,
} from '../../actions/src/sinks/securityhub-import';
import {
  fleetFindingId,
  type CheckStatus,
  type CheckedHost,
  type HostCheckResult,
} from '../../actions/src/sources/host-check';

// What an import sends, planned (pure): FAILs imported, and on a host checked completely, the
// ACTIVE findings whose check passes again, no longer applies, or is no longer reported archived.

const REGION = 'ap-northeast-2';
const ACCOUNT = '771000000011';
const NOW = new Date('2026-05-05T08:00:00Z');
const CONTEXT = { accountId: ACCOUNT, region: REGION, now: NOW };

function instance(id: string): CheckedHost {
  return {
    resource: {
      id: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`,
      type: 'AWS::EC2::Instance',
      region: REGION,
      accountId: ACCOUNT,
    },
    instanceId: id,
  };
}

const WEB_1 = instance('i-0000000000000000a');
const WEB_10 = instance('i-0000000000000000a0');

function result(check: string, status: CheckStatus, item?: string): HostCheckResult {
  return {
    check,
    title: `${check} title`,
    severity: 'MEDIUM',
    status,
    detail: `${check} ${status}`,
    ...(item !== undefined && { item }),
  };
}

/** What Security Hub holds of a finding a previous run imported (as GetFindings returns it). */
function active(host: CheckedHost, failing: HostCheckResult): [string, ActiveFleetFinding] {
  const finding: AwsSecurityFinding = {
    ...asffFinding(host, failing, { ...CONTEXT, now: new Date('2026-05-04T08:00:00Z') }),
    ProductFields: {
      'assetguard/check': failing.check,
      'aws/securityhub/FindingId': 'arn:aws:securityhub:…',
    },
    Workflow: { Status: 'NOTIFIED' },
  };
  return [
    finding.Id ?? '',
    {
      finding,
      ...(finding.CreatedAt !== undefined && { createdAt: finding.CreatedAt }),
      ...(finding.UpdatedAt !== undefined && { updatedAt: finding.UpdatedAt }),
    },
  ];
}

const DISK_AB = result('RES-DISK', 'FAIL', '/a/b');
const previously = new Map([
  active(WEB_1, DISK_AB),
  active(WEB_1, result('U-01', 'FAIL')),
  active(WEB_1, result('U-02', 'FAIL')),
  active(WEB_1, result('U-04', 'FAIL')),
  active(WEB_10, result('U-01', 'FAIL')),
]);

function sent(hosts: HostImport[]): Record<string, string> {
  return Object.fromEntries(
    planImport(hosts, previously, CONTEXT).map((finding) => [
      finding.Id ?? '',
      `${finding.RecordState ?? ''} ${finding.Compliance?.Status ?? ''}`,
    ]),
  );
}

describe('planImport', () => {
  // The latest output of web-1: the /a/b disk is gone, U-01 passes, U-02 no longer applies,
  // U-04 could not be checked, U-03 fails.
  const latest = [
    result('RES-DISK', 'PASS', '/'),
    result('U-01', 'PASS'),
    result('U-02', 'INFO'),
    result('U-03', 'FAIL'),
    result('U-04', 'ERROR'),
  ];

  it('a host checked completely: archives what passes, no longer applies or is no longer reported', () => {
    expect(sent([{ host: WEB_1, results: latest, complete: true }])).toEqual({
      [fleetFindingId(WEB_1, DISK_AB)]: 'ARCHIVED NOT_AVAILABLE',
      [fleetFindingId(WEB_1, { check: 'U-01' })]: 'ARCHIVED PASSED',
      [fleetFindingId(WEB_1, { check: 'U-02' })]: 'ARCHIVED NOT_AVAILABLE',
      [fleetFindingId(WEB_1, { check: 'U-03' })]: 'ACTIVE FAILED',
      // U-04 could not be checked: its finding stays as it is. web-10's is another host's.
    });
  });

  it('a host not checked completely archives nothing: what it did not print was not checked', () => {
    expect(sent([{ host: WEB_1, results: latest, complete: false }])).toEqual({
      [fleetFindingId(WEB_1, { check: 'U-03' })]: 'ACTIVE FAILED',
    });
  });

  it('a finding archived because its line is gone keeps what Security Hub holds, but not Security Hub’s own fields', () => {
    const [gone] = planImport(
      [{ host: WEB_1, results: latest, complete: true }],
      previously,
      CONTEXT,
    ).filter((finding) => finding.Id === fleetFindingId(WEB_1, DISK_AB));
    const held = previously.get(fleetFindingId(WEB_1, DISK_AB))?.finding;
    expect(gone).toMatchObject({
      Id: held?.Id,
      ProductArn: held?.ProductArn,
      GeneratorId: 'assetguard/fleet-check/RES-DISK',
      AwsAccountId: ACCOUNT,
      CreatedAt: held?.CreatedAt,
      LastObservedAt: held?.LastObservedAt,
      UpdatedAt: NOW.toISOString(),
      Title: held?.Title,
      Resources: held?.Resources,
      RecordState: 'ARCHIVED',
      ProductFields: { 'assetguard/check': 'RES-DISK', 'assetguard/status': 'NOT_REPORTED' },
    });
    expect(gone).not.toHaveProperty('Workflow');
  });
});
