import {
  fleetFinding,
  fleetFindingId,
  parseHostCheckOutput,
  parseScriptSettings,
  resultKey,
  runHostCheckLocally,
  scriptWithSettings,
} from '../../actions/src/sources/host-check';

const HOST =
  '{"check":"HOST","title":"assetguard host check","severity":"INFORMATIONAL","status":"INFO","detail":"script 1","item":"web-1"}';
const U01 =
  '{"check":"U-01","title":"root cannot log in remotely over SSH","severity":"HIGH","status":"FAIL","detail":"PermitRootLogin yes"}';
const DISK =
  '{"check":"RES-DISK","title":"disk use of /var","severity":"MEDIUM","status":"PASS","detail":"40%","item":"/var"}';
const end = (count: number): string =>
  `{"check":"END","title":"assetguard host check finished","severity":"INFORMATIONAL","status":"INFO","detail":"${count} check line(s) above","count":${count}}`;

describe('parseHostCheckOutput', () => {
  it('reads a whole output: the host name, every check line, no problem', () => {
    const output = parseHostCheckOutput(`${HOST}\n${U01}\r\n${DISK}\n\n${end(2)}\n`);
    expect(output.problems).toEqual([]);
    expect(output.hostname).toBe('web-1');
    expect(output.results).toEqual([
      {
        check: 'U-01',
        title: 'root cannot log in remotely over SSH',
        severity: 'HIGH',
        status: 'FAIL',
        detail: 'PermitRootLogin yes',
      },
      {
        check: 'RES-DISK',
        title: 'disk use of /var',
        severity: 'MEDIUM',
        status: 'PASS',
        detail: '40%',
        item: '/var',
      },
    ]);
  });

  it.each([
    [
      'a line that is not JSON',
      `${HOST}\n${U01}\nbash: line 3: oops\n${end(1)}`,
      /^line 3 is not JSON: "bash: line 3: oops"$/,
    ],
    [
      'a JSON line without a status',
      `${HOST}\n{"check":"U-02","title":"t","severity":"HIGH","detail":"d"}\n${end(0)}`,
      /^line 2 is not a check result \("status" is not one of PASS, FAIL, INFO, ERROR\)/,
    ],
    [
      'an unknown severity',
      `${HOST}\n{"check":"U-02","title":"t","severity":"SEVERE","status":"FAIL","detail":"d"}\n${end(0)}`,
      /"severity" is not one of CRITICAL/,
    ],
    [
      'a check id of another form',
      `${HOST}\n{"check":"rm -rf","title":"t","severity":"HIGH","status":"PASS","detail":"d"}\n${end(0)}`,
      /no "check" id such as U-01/,
    ],
    [
      'evidence that is not strings',
      `${HOST}\n{"check":"U-15","title":"t","severity":"HIGH","status":"FAIL","detail":"d","evidence":[1]}\n${end(0)}`,
      /"evidence" is not a list of strings/,
    ],
    ['a JSON array', `${HOST}\n[1,2]\n${end(0)}`, /not a JSON object/],
    [
      'the same check twice',
      `${HOST}\n${U01}\n${U01}\n${end(1)}`,
      /^line 3 repeats the check U-01$/,
    ],
    [
      'a check before HOST',
      `${U01}\n${HOST}\n${end(1)}`,
      /^line 1 \(U-01\) comes before the HOST line$/,
    ],
    ['a line after END', `${HOST}\n${end(0)}\n${U01}`, /^line 3 comes after the END line/],
    [
      'no END line (cut short)',
      `${HOST}\n${U01}\n`,
      /^the output has no END line: it was cut short/,
    ],
    [
      'an END count that differs',
      `${HOST}\n${U01}\n${end(5)}`,
      /^the END line counts 5 check line\(s\) but 1 were read$/,
    ],
    ['nothing at all', '', /^the output is empty$/],
  ])('reports %s as a problem, never dropping it silently', (_name, text, problem) => {
    const output = parseHostCheckOutput(text);
    expect(output.problems).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it('keeps the valid lines of an output that has a malformed one', () => {
    const output = parseHostCheckOutput(`${HOST}\n{"check":\n${U01}\n${end(1)}`);
    expect(output.results.map((result) => result.check)).toEqual(['U-01']);
    expect(output.problems).toHaveLength(1);
  });

  it('stops reading past 5,000 lines and says so', () => {
    const lines = Array.from({ length: 5_001 }, (_, index) =>
      JSON.stringify({
        check: `U-${index}`,
        title: 't',
        severity: 'LOW',
        status: 'PASS',
        detail: 'd',
      }),
    );
    const output = parseHostCheckOutput([HOST, ...lines].join('\n'));
    expect(output.problems[0]).toBe('the output has more than 5000 lines; the rest were not read');
  });
});

describe('script settings', () => {
  it('accepts ASSETGUARD_* names with plain values and exports them after the #! line', () => {
    const settings = parseScriptSettings(
      ['ASSETGUARD_DISK_MAX_PCT=85', 'ASSETGUARD_PROC_DENY=xmrig kinsing'],
      'check-settings',
    );
    expect(scriptWithSettings('#!/bin/sh\necho hi\n', settings)).toBe(
      "#!/bin/sh\nexport ASSETGUARD_DISK_MAX_PCT='85'\nexport ASSETGUARD_PROC_DENY='xmrig kinsing'\necho hi\n",
    );
    expect(scriptWithSettings('#!/bin/sh\n', {})).toBe('#!/bin/sh\n');
  });

  it.each([
    ['PATH=/tmp', /"PATH=\/tmp" is not ASSETGUARD_NAME=value/],
    ['ASSETGUARD_X', /is not ASSETGUARD_NAME=value/],
    ["ASSETGUARD_X=a'; rm -rf /; '", /the value of ASSETGUARD_X may hold only/],
    ['ASSETGUARD_X=$(id)', /the value of ASSETGUARD_X may hold only/],
  ])('refuses %s, naming the input', (entry, message) => {
    expect(() => parseScriptSettings([entry], 'check-settings')).toThrow(message);
    expect(() => parseScriptSettings([entry], 'check-settings')).toThrow(/^check-settings: /);
  });
});

describe('finding ids', () => {
  const host = {
    resource: {
      id: 'arn:aws:ec2:ap-northeast-2:111122223333:instance/i-0123456789abcdef0',
      type: 'AWS::EC2::Instance',
      region: 'ap-northeast-2',
      accountId: '111122223333',
    },
    instanceId: 'i-0123456789abcdef0',
  };

  it('are the same for the same account, region, instance and check, and differ per item', () => {
    expect(fleetFindingId(host, { check: 'U-01' })).toBe(
      'assetguard/fleet-check/111122223333/ap-northeast-2/i-0123456789abcdef0/U-01',
    );
    expect(fleetFindingId(host, { check: 'RES-DISK', item: '/var/lib data' })).toBe(
      'assetguard/fleet-check/111122223333/ap-northeast-2/i-0123456789abcdef0/RES-DISK/%2Fvar%2Flib%20data',
    );
    expect(resultKey({ check: 'RES-DISK', item: '/var' })).toBe('RES-DISK /var');
  });

  it('stay within ASFF’s 512 characters for any item', () => {
    const id = fleetFindingId(host, { check: 'RES-DISK', item: '/'.repeat(600) });
    expect(id.length).toBeLessThanOrEqual(512);
    expect(id).toMatch(/\/RES-DISK\/sha256-[0-9a-f]{64}$/);
  });

  it('a FAIL line becomes an ACTIVE Finding of source fleet on its host', () => {
    const finding = fleetFinding(host, {
      check: 'RES-DISK',
      title: 'disk use of /var is within bounds',
      severity: 'MEDIUM',
      status: 'FAIL',
      detail: '95% of blocks used',
      item: '/var',
    });
    expect(finding).toMatchObject({
      id: 'RES-DISK',
      source: 'fleet',
      status: 'ACTIVE',
      severity: 'MEDIUM',
      resource: host.resource,
      description: '95% of blocks used',
    });
  });
});

describe('runHostCheckLocally', () => {
  it('passes the settings in the environment and returns stdout, stderr and the exit code', async () => {
    const run = await runHostCheckLocally({
      script: 'printf "%s\\n" "$ASSETGUARD_X"; echo oops >&2; exit 3',
      settings: { ASSETGUARD_X: 'from settings' },
      timeoutMs: 10_000,
    });
    expect(run).toEqual({
      stdout: 'from settings\n',
      stderr: 'oops\n',
      exitCode: 3,
      timedOut: false,
    });
  });

  it('stops a script that runs past the timeout, with its child processes', async () => {
    const run = await runHostCheckLocally({
      script: 'echo started; sleep 30 & wait',
      settings: {},
      timeoutMs: 300,
    });
    expect(run.timedOut).toBe(true);
    expect(run.exitCode).toBeUndefined();
    expect(run.stdout).toBe('started\n');
  });
});
