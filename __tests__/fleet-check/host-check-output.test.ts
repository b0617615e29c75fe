import {
  fleetFinding,
  fleetFindingId,
  fleetFindingPrefix,
  HOST_CHECK_IDS,
  localScriptEnvironment,
  parseHostCheckOutput,
  parseScriptSettings,
  resultKey,
  runHostCheckLocally,
  scriptWithSettings,
  SCRIPT_SETTINGS,
} from '../../actions/src/sources/host-check';

const HOST =
  '{"check":"HOST","title":"assetguard host check","severity":"INFORMATIONAL","status":"INFO","detail":"script 1","item":"web-1"}';
const U01 =
  '{"check":"U-01","title":"root cannot log in remotely over SSH","severity":"HIGH","status":"FAIL","detail":"PermitRootLogin yes"}';
const DISK =
  '{"check":"RES-DISK","title":"disk use of /var","severity":"MEDIUM","status":"PASS","detail":"40%","item":"/var"}';
const end = (count: number): string =>
  `{"check":"END","title":"assetguard host check finished","severity":"INFORMATIONAL","status":"INFO","detail":"${count} check line(s) above","count":${count}}`;
/** The outputs below hold U-01 and RES-DISK lines only: they are parsed as such a script's. */
const FEW = ['U-01', 'RES-DISK'];
const pass = (check: string): string =>
  JSON.stringify({ check, title: `${check} title`, severity: 'HIGH', status: 'PASS', detail: 'd' });

describe('parseHostCheckOutput', () => {
  it('reads a whole output: the host name, every check line, no problem', () => {
    const output = parseHostCheckOutput(`${HOST}\n${U01}\r\n${DISK}\n\n${end(2)}\n`, FEW);
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
    const output = parseHostCheckOutput(text, FEW);
    expect(output.problems).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it('keeps the valid lines of an output that has a malformed one', () => {
    const output = parseHostCheckOutput(`${HOST}\n{"check":\n${U01}\n${DISK}\n${end(2)}`, FEW);
    expect(output.results.map((result) => result.check)).toEqual(['U-01', 'RES-DISK']);
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

  describe('expects a line of every check the shipped script has (its CHECK_IDS)', () => {
    it('HOST and END with nothing between is a host that was not checked', () => {
      const output = parseHostCheckOutput(`${HOST}\n${end(0)}\n`);
      expect(output.results).toEqual([]);
      expect(output.problems).toEqual([
        `the output has no line for ${HOST_CHECK_IDS.length} checks of the script (${HOST_CHECK_IDS.join(', ')}): the host was not checked completely`,
      ]);
    });

    it('an output with some checks names those it lacks', () => {
      const output = parseHostCheckOutput(`${HOST}\n${pass('U-01')}\n${pass('U-02')}\n${end(2)}\n`);
      const missing = HOST_CHECK_IDS.filter((id) => id !== 'U-01' && id !== 'U-02');
      expect(output.problems).toEqual([
        `the output has no line for ${missing.length} checks of the script (${missing.join(', ')}): the host was not checked completely`,
      ]);
    });

    it('an output with a line of each (RES-DISK for any mount) is complete', () => {
      const lines = HOST_CHECK_IDS.map((id) =>
        id === 'RES-DISK' ? JSON.stringify({ ...JSON.parse(pass(id)), item: '/srv' }) : pass(id),
      );
      const output = parseHostCheckOutput([HOST, ...lines, end(lines.length)].join('\n'));
      expect(output.problems).toEqual([]);
    });

    it('a check the script does not have is a problem (another script answered), its line kept', () => {
      const lines = [...HOST_CHECK_IDS, 'U-99'].map(pass);
      const output = parseHostCheckOutput([HOST, ...lines, end(lines.length)].join('\n'));
      expect(output.problems).toEqual([
        'the output has lines for 1 check the script does not have (U-99): another script answered',
      ]);
      expect(output.results.map((result) => result.check)).toContain('U-99');
    });
  });

  it('reads the machine id of the HOST line when it is 32 hex digits, and ignores anything else', () => {
    const host = (machine: string): string => JSON.stringify({ ...JSON.parse(HOST), machine });
    const id = '0123456789abcdef0123456789abcdef';
    expect(parseHostCheckOutput(`${host(id)}\n${U01}\n${DISK}\n${end(2)}`, FEW).machineId).toBe(id);
    expect(
      parseHostCheckOutput(`${host('../../etc')}\n${U01}\n${DISK}\n${end(2)}`, FEW).machineId,
    ).toBeUndefined();
  });
});

describe('script settings', () => {
  it('accepts the settings of the script with values of their kind and exports them after the #! line', () => {
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
    ['ASSETGUARD_FIND_TIMEOUT=1', 'ASSETGUARD_FIND_TIMEOUT', '1'],
    ['ASSETGUARD_CPU_LOAD_MAX=2.25', 'ASSETGUARD_CPU_LOAD_MAX', '2.25'],
    ['ASSETGUARD_ZOMBIE_MAX=0', 'ASSETGUARD_ZOMBIE_MAX', '0'],
    [
      'ASSETGUARD_SUID_ALLOW=vendor-helper /opt/vendor/bin/tool',
      'ASSETGUARD_SUID_ALLOW',
      'vendor-helper /opt/vendor/bin/tool',
    ],
    ['ASSETGUARD_DISK_FSTYPES=ext4 fuse.sshfs', 'ASSETGUARD_DISK_FSTYPES', 'ext4 fuse.sshfs'],
  ])('accepts %s', (entry, name, value) => {
    expect(parseScriptSettings([entry], 'check-settings')).toEqual({ [name]: value });
  });

  it.each([
    ['PATH=/tmp', /"PATH=\/tmp" is not ASSETGUARD_NAME=value/],
    ['ASSETGUARD_X', /is not ASSETGUARD_NAME=value/],
    // A typo is not silently ignored.
    [
      'ASSETGUARD_DISK_MAX_PTC=80',
      /^check-settings: ASSETGUARD_DISK_MAX_PTC is not a setting of the host check script; the settings are ASSETGUARD_FIND_TIMEOUT, .*ASSETGUARD_DISK_MAX_PCT/,
    ],
    // A run reports the host it ran on: it never checks another tree.
    [
      'ASSETGUARD_ROOT=/mnt/other',
      /^check-settings: ASSETGUARD_ROOT cannot be set here: a fleet check reports the host it ran on/,
    ],
    ['ASSETGUARD_PROC=/tmp/proc', /^check-settings: ASSETGUARD_PROC cannot be set here/],
    [
      'ASSETGUARD_FIND_TIMEOUT=abc',
      /^check-settings: ASSETGUARD_FIND_TIMEOUT="abc": the value must be a whole number from 1 to 86400$/,
    ],
    // 0 would turn the searches' timeout off.
    [
      'ASSETGUARD_FIND_TIMEOUT=0',
      /ASSETGUARD_FIND_TIMEOUT="0": the value must be a whole number from 1/,
    ],
    ['ASSETGUARD_DISK_MAX_PCT=85.5', /a whole number from 0 to 100/],
    ['ASSETGUARD_DISK_MAX_PCT=101', /a whole number from 0 to 100/],
    ['ASSETGUARD_DISK_MAX_PCT=085', /a whole number from 0 to 100/],
    [
      'ASSETGUARD_MEM_MAX_PCT=90%',
      /ASSETGUARD_MEM_MAX_PCT="90%": the value must be a number from 0 to 100/,
    ],
    [
      'ASSETGUARD_PROC_DENY=',
      /the value must be one or more items separated by spaces, each a process name/,
    ],
    [
      'ASSETGUARD_PROC_DENY=xmrig a-name-longer-than-15',
      /"a-name-longer-than-15" is not a process name of at most 15 characters/,
    ],
    ["ASSETGUARD_PROC_DENY=a'; rm -rf /; '", /is not a process name/],
    ['ASSETGUARD_SUID_ALLOW=$(id)', /"\$\(id\)" is not a file name or an absolute path/],
  ])('refuses %s, naming the input', (entry, message) => {
    expect(() => parseScriptSettings([entry], 'check-settings')).toThrow(message);
    expect(() => parseScriptSettings([entry], 'check-settings')).toThrow(/^check-settings: /);
  });

  it('refuses a setting given twice (which one would win is not for the input to guess)', () => {
    expect(() =>
      parseScriptSettings(['ASSETGUARD_ZOMBIE_MAX=1', 'ASSETGUARD_ZOMBIE_MAX=2'], 'check-settings'),
    ).toThrow('check-settings: ASSETGUARD_ZOMBIE_MAX is given twice');
  });

  it('says how list values are written when a comma split one (entries are comma-separated)', () => {
    expect(() =>
      parseScriptSettings(['ASSETGUARD_PROC_DENY=xmrig', 'bash'], 'check-settings'),
    ).toThrow(
      /"bash" is not ASSETGUARD_NAME=value .*list values separate their items with spaces \(ASSETGUARD_PROC_DENY=xmrig kinsing\)/,
    );
  });

  it('every default the table states is a value the table accepts', () => {
    for (const [name, setting] of Object.entries(SCRIPT_SETTINGS)) {
      if (setting.default === '(none)') continue;
      expect(parseScriptSettings([`${name}=${setting.default}`], 'check-settings')).toEqual({
        [name]: setting.default,
      });
    }
  });

  it('a local run takes its thresholds from the settings only, never from this process’s environment', () => {
    const env = localScriptEnvironment(
      {
        PATH: '/bin',
        ASSETGUARD_DISK_MAX_PCT: '1',
        ASSETGUARD_ZOMBIE_MAX: '0',
        ASSETGUARD_ROOT: '/t',
      },
      { ASSETGUARD_ZOMBIE_MAX: '3' },
    );
    expect(env).toEqual({ PATH: '/bin', ASSETGUARD_ZOMBIE_MAX: '3', ASSETGUARD_ROOT: '/t' });
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

  it('of one host share a prefix that no other host’s ids have', () => {
    const other = { ...host, instanceId: 'i-0123456789abcdef01' };
    expect(fleetFindingId(host, { check: 'U-01' }).startsWith(fleetFindingPrefix(host))).toBe(true);
    expect(fleetFindingId(other, { check: 'U-01' }).startsWith(fleetFindingPrefix(host))).toBe(
      false,
    );
    const long = fleetFindingId(host, { check: 'RES-DISK', item: '/'.repeat(600) });
    expect(long.startsWith(fleetFindingPrefix(host))).toBe(true);
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
