import { loadedFromText } from '../../actions/src/core/policy';
import { evaluateFleet, type FleetHost } from '../../actions/src/fleet-check/evaluate';
import {
  fleetChecksCsv,
  fleetChecksJson,
  renderFleetSummary,
} from '../../actions/src/fleet-check/render';
import { shownText } from '../fixtures/markdown-shown';

// What a host prints is untrusted: a compromised host controls its host name, the details and
// the file names in its evidence. Every renderer must keep them text.

const HOSTILE = '<img src=x onerror=alert(1)> | [x](javascript:alert(1))\n::error::owned';
const REGION = 'ap-northeast-2';
const ACCOUNT = '771000000011';

function hostileHost(): FleetHost {
  return {
    resource: {
      id: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`,
      type: 'AWS::EC2::Instance',
      region: REGION,
      accountId: ACCOUNT,
    },
    instanceId: 'i-0123456789abcdef0',
    hostname: HOSTILE,
    results: [
      {
        check: 'U-15',
        title: HOSTILE,
        severity: 'HIGH',
        status: 'FAIL',
        detail: `=HYPERLINK("http://evil") ${HOSTILE}`,
        evidence: ['/usr/bin/<b>'],
      },
      {
        check: 'RES-DISK',
        title: 'disk use of /srv is within bounds',
        severity: 'MEDIUM',
        status: 'PASS',
        detail: '5%',
        item: '/srv',
      },
    ],
    problems: [`output: line 9 is not JSON: "${HOSTILE}"`],
  };
}

const verdict = evaluateFleet({
  hosts: [hostileHost()],
  accounts: [
    {
      accountId: ACCOUNT,
      region: REGION,
      status: 'checked',
      commandId: '8f0c3a52-7d1e-4c4e-9a59-4f0d3c1b2a10',
      instances: 1,
    },
  ],
  subject: {
    mode: 'run-command',
    targets: ['Fleet=kisa'],
    region: REGION,
    script: { sha256: 'ab'.repeat(32), bytes: 1 },
  },
  failOn: 'HIGH',
  policy: loadedFromText('version: 1\n', '.github/assetguard.yml'),
  now: new Date('2026-05-04T08:00:00Z'),
});

describe('renderFleetSummary', () => {
  const summary = renderFleetSummary(verdict, 'reports/fleet');

  it('shows the run failed closed, listing the problem on one line, and still shows what was found', () => {
    const shown = shownText(summary);
    expect(shown).toContain(
      '- i-0123456789abcdef0 (<img src=x onerror=alert(1)> | [x](javascript:alert(1)) ::error::owned) in 771000000011: output: line 9 is not JSON:',
    );
    expect(shown).toMatch(
      /^## assetguard fleet-check: ⚠️ COULD NOT DECIDE — Fleet=kisa, ap-northeast-2/,
    );
    expect(shown).toContain(
      'The fleet check could not check everything, so it fails closed (exit 2).',
    );
    expect(summary).toContain('### Blocking');
    expect(summary).toContain('### Hosts');
    expect(summary).toContain(
      'reports in `reports/fleet` (verdict.json, checks.json, checks.csv, evidence.json',
    );
  });

  it('keeps host-controlled text as text: no HTML, no link, no table break, no workflow command', () => {
    expect(summary).not.toMatch(/(?<!\\)<img/);
    expect(summary).not.toMatch(/(?<!\\)\]\(javascript:/);
    expect(summary.split('\n').some((line) => line.startsWith('::'))).toBe(false);
    // The text is shown as written, escaped.
    expect(shownText(summary)).toContain('<img src=x onerror=alert(1)> | [x](javascript:alert(1))');
    // Each table row still has its own cells: no cell's | ended one early.
    for (const line of summary
      .split('\n')
      .filter((row) => row.startsWith('| `i-0123456789abcdef0`'))) {
      expect(line.split(/(?<!\\)\|/).length).toBe(9);
    }
  });
});

describe('a report-only run (fail-on none)', () => {
  const host: FleetHost = {
    ...hostileHost(),
    hostname: 'runner-1',
    problems: [],
    results: [
      {
        check: 'U-03',
        title: 'account lockout',
        severity: 'MEDIUM',
        status: 'FAIL',
        detail: 'deny not set',
      },
      { check: 'U-01', title: 'root SSH login', severity: 'HIGH', status: 'FAIL', detail: HOSTILE },
      {
        check: 'U-44',
        title: 'UID 0 accounts',
        severity: 'HIGH',
        status: 'PASS',
        detail: 'only root',
      },
    ],
  };
  const reportOnly = evaluateFleet({
    hosts: [host],
    accounts: [],
    subject: { mode: 'local', targets: ['local'], script: { sha256: 'ab'.repeat(32), bytes: 1 } },
    failOn: undefined,
    policy: loadedFromText('version: 1\n', '.github/assetguard.yml'),
    now: new Date('2026-05-04T08:00:00Z'),
  });
  const summary = renderFleetSummary(reportOnly, 'reports/fleet', [host]);

  it('still lists every failing check, most severe first, and says nothing blocks', () => {
    expect(reportOnly.verdict).toBe('pass');
    expect(summary).toContain('**Reported only (fail-on none):** 2 failing checks.');
    expect(summary).toContain('### Failing checks');
    expect(summary).not.toContain('### Blocking');
    const rows = summary.split('\n').filter((line) => /^\| (HIGH|MEDIUM) \|/.test(line));
    expect(rows.map((row) => row.split(' | ')[1])).toEqual(['`U-01`', '`U-03`']);
    expect(summary).not.toContain('U-44');
    expect(summary).not.toMatch(/(?<!\\)<img/);
  });
});

describe('checks.json and checks.csv', () => {
  it('checks.json keeps every line of every host and its problems', () => {
    const json = JSON.parse(fleetChecksJson([hostileHost()])) as {
      format: string;
      hosts: { results: unknown[]; problems: string[]; hostname: string }[];
    };
    expect(json.format).toBe('assetguard-fleet-checks/1');
    expect(json.hosts[0]?.results).toHaveLength(2);
    expect(json.hosts[0]?.hostname).toBe(HOSTILE);
    expect(json.hosts[0]?.problems).toHaveLength(1);
  });

  it('checks.csv has a row per line and per problem, with formulas neutralized', () => {
    const csv = fleetChecksCsv([hostileHost()]);
    const rows = csv.trim().split(/\r?\n(?=\d|account)/);
    expect(rows[0]).toBe(
      'account,region,resource,hostname,check,item,severity,status,title,detail,count,evidence',
    );
    expect(csv).toContain('UNCHECKED');
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    expect(csv).toContain("'=HYPERLINK");
    expect(csv).toContain(
      `${ACCOUNT},${REGION},arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`,
    );
  });
});
