import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  FLEET_CHECK_INPUTS,
  FLEET_CHECK_OUTPUTS,
  parseFleetCheckInputs,
  parseTargets,
} from '../../actions/src/fleet-check/inputs';

const ROOT = resolve(__dirname, '../..');

/** Inputs by name, as the action runner or the CLI gives them; unset ones are undefined. */
function reader(values: Record<string, string>): (name: string) => string | undefined {
  return (name) => values[name];
}

describe('parseTargets', () => {
  it('takes local alone', () => {
    expect(parseTargets(['local'])).toEqual({ kind: 'local' });
    expect(parseTargets(['LOCAL'])).toEqual({ kind: 'local' });
  });

  it('takes instance ids', () => {
    expect(parseTargets(['i-0123456789abcdef0', 'i-01234567', 'i-0123456789abcdef0'])).toEqual({
      kind: 'instances',
      ids: ['i-0123456789abcdef0', 'i-01234567'],
    });
  });

  it('takes tags: a key given twice matches either value, every key must match', () => {
    expect(
      parseTargets(['Environment=prod', 'Environment=staging', 'Role=web', 'Query=a=b']),
    ).toEqual({
      kind: 'tags',
      tags: [
        { key: 'Environment', values: ['prod', 'staging'] },
        { key: 'Role', values: ['web'] },
        { key: 'Query', values: ['a=b'] },
      ],
    });
  });

  it.each([
    [[], /^targets: give tags/],
    [['local', 'Role=web'], /^targets: local checks this machine only/],
    [
      ['Role=web', 'i-0123456789abcdef0'],
      /is not Key=Value, an instance id \(i-…\) or local; tags and instance ids cannot be mixed/,
    ],
    [['Role='], /^targets: the value of Role must be 1-256/],
    [['=web'], /is not Key=Value/],
    [['Ro<le=web'], /is not a tag key AWS accepts/],
    [['A=1', 'B=1', 'C=1', 'D=1', 'E=1', 'F=1'], /6 tag keys; Run Command takes at most 5/],
    [
      Array.from({ length: 51 }, (_, index) => `i-${String(index).padStart(17, '0')}`),
      /51 instance ids; Run Command takes at most 50/,
    ],
  ])('refuses %j, naming the input', (entries, message) => {
    expect(() => parseTargets(entries)).toThrow(message);
  });
});

describe('parseFleetCheckInputs', () => {
  it('applies the declared defaults', () => {
    expect(
      parseFleetCheckInputs(reader({ targets: 'Fleet=kisa', 'output-bucket': 'fleet-out' })),
    ).toEqual({
      targets: { kind: 'tags', tags: [{ key: 'Fleet', values: ['kisa'] }] },
      targetText: ['Fleet=kisa'],
      accounts: [],
      roleName: 'assetguard-fleet-check',
      outputBucket: 'fleet-out',
      outputPrefix: 'assetguard/fleet-check',
      timeoutMs: 600_000,
      importToSecurityHub: false,
      failOn: 'HIGH',
      checkSettings: {},
      policy: '.github/assetguard.yml',
      outputDir: 'assetguard-reports/fleet-check',
    });
  });

  it('reads lists, flags and fail-on none', () => {
    const inputs = parseFleetCheckInputs(
      reader({
        targets: 'Fleet=kisa',
        accounts: '771000000011,\n771000000012,771000000011',
        'output-bucket': 'fleet-out',
        'output-prefix': '/runs/fleet/',
        'import-to-securityhub': 'true',
        'fail-on': 'none',
        'check-settings':
          'ASSETGUARD_DISK_MAX_PCT=85\nASSETGUARD_ZOMBIE_MAX=0, ASSETGUARD_PROC_DENY=xmrig bash',
        timeout: '2m',
        region: 'ap-northeast-2',
      }),
    );
    expect(inputs).toMatchObject({
      accounts: ['771000000011', '771000000012'],
      outputPrefix: 'runs/fleet',
      importToSecurityHub: true,
      checkSettings: {
        ASSETGUARD_DISK_MAX_PCT: '85',
        ASSETGUARD_ZOMBIE_MAX: '0',
        ASSETGUARD_PROC_DENY: 'xmrig bash',
      },
      timeoutMs: 120_000,
      region: 'ap-northeast-2',
    });
    expect(inputs.failOn).toBeUndefined();
  });

  it('needs no bucket for local', () => {
    expect(parseFleetCheckInputs(reader({ targets: 'local' })).targets).toEqual({ kind: 'local' });
  });

  it.each([
    [{ targets: 'Fleet=kisa' }, /^output-bucket: required to check instances/],
    [
      { targets: 'Fleet=kisa', 'output-bucket': 'Bad_Bucket' },
      /^output-bucket: "Bad_Bucket" is not an S3 bucket name/,
    ],
    [
      { targets: 'Fleet=kisa', 'output-bucket': 'b0b', accounts: '12345' },
      /^accounts: "12345" is not a 12-digit AWS account id/,
    ],
    [
      { targets: 'local', accounts: '771000000011' },
      /^accounts: targets local checks this machine/,
    ],
    [
      {
        targets: 'i-0123456789abcdef0',
        'output-bucket': 'b0b',
        accounts: '771000000011,771000000012',
      },
      /^accounts: instance ids belong to one account/,
    ],
    [
      { targets: 'Fleet=kisa', 'output-bucket': 'b0b', 'role-name': 'role/with/path' },
      /^role-name: "role\/with\/path" is not an IAM role name/,
    ],
    [
      { targets: 'Fleet=kisa', 'output-bucket': 'b0b', timeout: '10s' },
      /^timeout: "10s" is outside what Run Command takes \(30s to 48h\)/,
    ],
    [
      { targets: 'Fleet=kisa', 'output-bucket': 'b0b', timeout: '10' },
      /^timeout: "10" has no unit/,
    ],
    [
      { targets: 'Fleet=kisa', 'output-bucket': 'b0b', 'import-to-securityhub': 'yes' },
      /^import-to-securityhub: "yes" is not true or false/,
    ],
    [
      { targets: 'Fleet=kisa', 'output-bucket': 'b0b', 'fail-on': 'SEVERE' },
      /^fail-on: "SEVERE" is not CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL or none/,
    ],
    [
      { targets: 'Fleet=kisa', 'output-bucket': 'b0b', 'check-settings': 'PATH=/tmp' },
      /^check-settings: "PATH=\/tmp" is not ASSETGUARD_NAME=value/,
    ],
    [
      { targets: 'local', 'check-settings': 'ASSETGUARD_DISK_MAX_PTC=80' },
      /^check-settings: ASSETGUARD_DISK_MAX_PTC is not a setting of the host check script/,
    ],
    [
      { targets: 'local', 'check-settings': 'ASSETGUARD_ROOT=/tmp/planted' },
      /^check-settings: ASSETGUARD_ROOT cannot be set here/,
    ],
    [
      { targets: 'local', 'check-settings': 'ASSETGUARD_FIND_TIMEOUT=abc' },
      /^check-settings: ASSETGUARD_FIND_TIMEOUT="abc": the value must be a whole number from 1 to 86400/,
    ],
    [
      // Entries are separated by commas: a list value separates its items with spaces.
      { targets: 'local', 'check-settings': 'ASSETGUARD_PROC_DENY=xmrig,bash' },
      /^check-settings: "bash" is not ASSETGUARD_NAME=value .*separate their items with spaces/,
    ],
    [
      { targets: 'Fleet=kisa', 'output-bucket': 'b0b', 'output-prefix': 'a\nb' },
      /^output-prefix: at most 400 characters, without control characters/,
    ],
  ])('refuses %j, naming the input', (values, message) => {
    expect(() => parseFleetCheckInputs(reader(values))).toThrow(message);
  });
});

describe('actions/fleet-check/action.yml declares exactly the inputs and outputs the code reads and writes', () => {
  const metadata = parse(readFileSync(join(ROOT, 'actions/fleet-check/action.yml'), 'utf8')) as {
    inputs: Record<string, { description: string; required?: boolean; default?: string }>;
    outputs: Record<string, { description: string }>;
    runs: { using: string; main: string };
  };

  it('inputs: names, descriptions, defaults and required flags', () => {
    expect(Object.keys(metadata.inputs)).toEqual(Object.keys(FLEET_CHECK_INPUTS));
    for (const [name, spec] of Object.entries(FLEET_CHECK_INPUTS)) {
      const declared = metadata.inputs[name]!;
      expect(declared.description).toBe(spec.description);
      expect(declared.default).toBe('default' in spec ? spec.default : undefined);
      expect(declared.required ?? false).toBe('required' in spec ? spec.required : false);
    }
  });

  it('outputs: names and descriptions', () => {
    expect(
      Object.fromEntries(
        Object.entries(metadata.outputs).map(([name, o]) => [name, o.description]),
      ),
    ).toEqual(FLEET_CHECK_OUTPUTS);
  });

  it('runs the committed bundle on node24', () => {
    expect(metadata.runs).toEqual({ using: 'node24', main: '../dist/fleet-check/index.js' });
  });
});
