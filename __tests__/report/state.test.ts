import fsPromises from 'node:fs/promises';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../actions/src/core/errors';
import { REPORT_STATE_SCHEMA, type ReportState } from '../../actions/src/report/model';
import {
  checkStateSubject,
  checkStateTime,
  loadState,
  MAX_STATE_BYTES,
  parseStateLocation,
  saveState,
  stateChunks,
  type StateLocation,
} from '../../actions/src/report/state';

const STATE: ReportState = {
  schema: REPORT_STATE_SCHEMA,
  title: 'assetguard daily security report',
  generatedAt: '2026-03-02T12:00:00.000Z',
  open: {
    'inspector2:arn:aws:inspector2:eu-west-1:123456789012:finding/abc': {
      kind: 'cve',
      id: 'CVE-2024-0001',
      severity: 'HIGH',
      resource: 'arn:aws:ecr:eu-west-1:123456789012:repository/web/sha256:aaaa',
      firstSeen: '2026-02-20T08:00:00.000Z',
      title: 'CVE-2024-0001 - openssl',
      owner: 'web@example.com',
    },
  },
  fixed: [
    {
      key: 'config:restricted-ssh/sg-1',
      kind: 'cce',
      id: 'restricted-ssh',
      severity: 'HIGH',
      resource: 'sg-1',
      firstSeen: '2026-02-25T12:00:00.000Z',
      fixedAt: '2026-03-01T12:00:00.000Z',
      daysToFix: 4,
    },
  ],
  trend: [
    {
      date: '2026-03-02',
      open: { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNTRIAGED: 0 },
      new: 0,
      fixed: 1,
      overdue: 0,
      compliancePercent: 75,
    },
  ],
};

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'assetguard-state-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(directory, { recursive: true, force: true });
});

function fileAt(name: string): StateLocation & { kind: 'file' } {
  return { kind: 'file', path: join(directory, name) };
}

async function loadError(location: StateLocation): Promise<Error> {
  try {
    await loadState(location, {});
  } catch (error) {
    return error as Error;
  }
  throw new Error('loadState did not fail');
}

describe('parseStateLocation', () => {
  it.each<[string, StateLocation]>([
    [
      's3://reports-bucket/assetguard/state.json',
      { kind: 's3', bucket: 'reports-bucket', key: 'assetguard/state.json' },
    ],
    ['s3://reports-bucket/state.json', { kind: 's3', bucket: 'reports-bucket', key: 'state.json' }],
    ['.assetguard/report-state.json', { kind: 'file', path: '.assetguard/report-state.json' }],
    [
      '  /var/lib/assetguard/state.json  ',
      { kind: 'file', path: '/var/lib/assetguard/state.json' },
    ],
  ])('%s', (text, expected) => {
    expect(parseStateLocation(text)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['', 'is empty'],
    ['   ', 'is empty'],
    ['s3://', 'names no bucket'],
    ['s3:///state.json', 'names no bucket'],
    ['s3://reports-bucket', 'names no object key'],
    ['s3://reports-bucket/', 'names no object key'],
    ['s3://reports-bucket/states/', 'names a folder'],
    ['https://example.com/state.json', 'uses https://'],
    ['file:///tmp/state.json', 'uses file://'],
    ['gs://bucket/state.json', 'uses gs://'],
    ['states/', 'names a directory'],
  ])('refuses %j: %s', (text, why) => {
    let caught: unknown;
    try {
      parseStateLocation(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    const message = (caught as Error).message;
    expect(message).toContain(`state: ${JSON.stringify(text)} ${why}`);
    expect(message).toContain('expected s3://bucket/key or a file path');
  });
});

describe('stateChunks', () => {
  /** A state of `count` open findings and fixes, with keys JSON has to escape. */
  function largeState(count: number): ReportState {
    const record = Object.values(STATE.open)[0]!;
    const fix = STATE.fixed[0]!;
    const open: ReportState['open'] = {};
    const fixed: ReportState['fixed'] = [];
    for (let index = 0; index < count; index += 1) {
      open[`inspector2:finding/${index}"\\\u2028 ✓`] = { ...record, id: `CVE-2024-${index}` };
      fixed.push({ ...fix, key: `config:rule/${index}`, daysToFix: index });
    }
    return { ...STATE, region: 'eu-west-1', open, fixed };
  }

  it.each<[string, ReportState]>([
    ['a small state', STATE],
    ['a state with nothing open or fixed', { ...STATE, open: {}, fixed: [], trend: [] }],
    ['a state with optional keys left undefined', { ...STATE, accountId: undefined }],
    ['a state of many chunks', largeState(1000)],
  ])('is JSON.stringify of %s, byte for byte, in more than one chunk', (_name, state) => {
    const chunks = [...stateChunks(state)];
    expect(chunks.join('')).toBe(JSON.stringify(state));
    expect(chunks.length).toBeGreaterThan(1);
  });

  it('never puts more than a few hundred open findings or fixes in one chunk', () => {
    const chunks = [...stateChunks(largeState(2000))];
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThan(100_000);
  });

  it('writes a large state that loads back as it was', async () => {
    const location = fileAt('state.json');
    const state = largeState(2000);
    await saveState(location, state, {});
    expect(readFileSync(location.path, 'utf8')).toBe(JSON.stringify(state));
    await expect(loadState(location, {})).resolves.toEqual(state);
  });
});

describe('loadState and saveState on a file', () => {
  it('reads back what it wrote, as compact JSON, creating the directory', async () => {
    const location = fileAt('nested/dir/state.json');
    await saveState(location, STATE, {});
    expect(readFileSync(location.path, 'utf8')).toBe(JSON.stringify(STATE));
    await expect(loadState(location, {})).resolves.toEqual(STATE);
    expect(readdirSync(join(directory, 'nested/dir'))).toEqual(['state.json']);
  });

  it('replaces the previous state', async () => {
    const location = fileAt('state.json');
    await saveState(location, STATE, {});
    const next = { ...STATE, generatedAt: '2026-03-03T12:00:00.000Z', open: {} };
    await saveState(location, next, {});
    await expect(loadState(location, {})).resolves.toEqual(next);
  });

  it('is a first run when the file does not exist', async () => {
    await expect(loadState(fileAt('missing.json'), {})).resolves.toBeUndefined();
  });

  it('leaves the old state in place when the new one is written half way and fails', async () => {
    const location = fileAt('state.json');
    await saveState(location, STATE, {});
    const before = readFileSync(location.path, 'utf8');
    jest
      .spyOn(fsPromises, 'writeFile')
      .mockImplementationOnce(async (file: unknown, data: unknown) => {
        // The first chunk's first 20 characters reach the disk, then it is full.
        const [first = ''] = data as Iterable<string>;
        await (file as fsPromises.FileHandle).write(first.slice(0, 20));
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      });
    const next = { ...STATE, open: {} };
    await expect(saveState(location, next, {})).rejects.toThrow(
      `state: cannot write the report state ${location.path}: ENOSPC; the previous state was left as it was`,
    );
    expect(readFileSync(location.path, 'utf8')).toBe(before);
    expect(readdirSync(directory)).toEqual(['state.json']);
  });

  it('leaves the old state in place when the rename fails', async () => {
    const location = fileAt('state.json');
    await saveState(location, STATE, {});
    jest
      .spyOn(fsPromises, 'rename')
      .mockRejectedValueOnce(Object.assign(new Error('read-only file system'), { code: 'EROFS' }));
    await expect(saveState(location, { ...STATE, open: {} }, {})).rejects.toThrow(/EROFS/);
    await expect(loadState(location, {})).resolves.toEqual(STATE);
    expect(readdirSync(directory)).toEqual(['state.json']);
  });

  it('refuses to write a state that does not match its schema, leaving the old one', async () => {
    const location = fileAt('state.json');
    await saveState(location, STATE, {});
    const broken = { ...STATE, trend: [{ ...STATE.trend[0]!, new: -1 }] };
    await expect(saveState(location, broken, {})).rejects.toThrow(
      /invalid report state.*\/trend\/0\/new/,
    );
    await expect(loadState(location, {})).resolves.toEqual(STATE);
  });

  it('checks the fixes a run adds to those it read, refusing a broken one', async () => {
    const location = fileAt('state.json');
    await saveState(location, STATE, {});
    const read = await loadState(location, {});
    if (!read) throw new Error('the state just written did not load');
    const broken = { ...read.fixed[0]!, key: 'config:restricted-ssh/sg-2', daysToFix: -1 };
    await expect(
      saveState(location, { ...read, fixed: [...read.fixed, broken] }, {}),
    ).rejects.toThrow(/invalid report state.*\/fixed\/0\/daysToFix/);
    await saveState(location, { ...read, fixed: [...read.fixed, { ...broken, daysToFix: 1 }] }, {});
    await expect(loadState(location, {})).resolves.toMatchObject({
      fixed: [read.fixed[0], { daysToFix: 1 }],
    });
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{"schema": "assetguard-report-state/1",', /is not JSON/],
    ['a JSON array', '[]', /is not a JSON object/],
    [
      'without a schema tag',
      '{"open": {}}',
      /is not an assetguard report state \(schema missing, expected "assetguard-report-state\/1"\)/,
    ],
    [
      'another schema',
      '{"schema": "assetguard-report-state/2"}',
      /schema "assetguard-report-state\/2", expected/,
    ],
    [
      'a severity that does not exist',
      JSON.stringify({
        ...STATE,
        open: { k: { ...Object.values(STATE.open)[0], severity: 'SEVERE' } },
      }),
      /does not match the assetguard-report-state\/1 schema: \/open\/k\/severity: must be equal to one of the allowed values/,
    ],
    [
      'a key the model lacks',
      JSON.stringify({ ...STATE, webhook: 'https://hooks.slack.com/x' }),
      /\(top level\): unknown key "webhook"/,
    ],
    [
      'a date that is not a date',
      JSON.stringify({ ...STATE, generatedAt: 'yesterday' }),
      /\/generatedAt: must match format "date-time"/,
    ],
  ])('refuses a file that is %s, naming it', async (_name, text, expected) => {
    const location = fileAt('state.json');
    writeFileSync(location.path, text);
    const error = await loadError(location);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(expected);
    expect(error.message).toContain(`state: ${location.path} `);
  });

  it('refuses a file over the size cap without reading it', async () => {
    const location = fileAt('state.json');
    writeFileSync(location.path, '');
    truncateSync(location.path, MAX_STATE_BYTES + 1);
    const error = await loadError(location);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(
      `state: ${location.path} is 64.0 MiB; a report state is at most 64 MiB`,
    );
  });

  it('refuses a directory where the file should be', async () => {
    const location = fileAt('state.json');
    mkdirSync(location.path);
    const error = await loadError(location);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`state: ${location.path} is not a regular file (a directory?)`);
  });
});

describe('checkStateTime', () => {
  const state = (generatedAt: string): ReportState => ({
    schema: REPORT_STATE_SCHEMA,
    title: 't',
    generatedAt,
    open: {},
    fixed: [],
    trend: [],
  });
  const now = new Date('2026-11-30T06:00:00.000Z');

  it('takes a state from before now, and one within five minutes of clock skew', () => {
    expect(() => {
      checkStateTime(state('2026-11-29T06:00:00.000Z'), now, 'state.json');
    }).not.toThrow();
    expect(() => {
      checkStateTime(state('2026-11-30T06:04:59.000Z'), now, 'state.json');
    }).not.toThrow();
  });

  it('refuses a state from the future, naming where it is and both times', () => {
    expect(() => {
      checkStateTime(state('2027-06-01T00:00:00.000Z'), now, 's3://b/k.json');
    }).toThrow(
      /^state: s3:\/\/b\/k\.json was written at 2027-06-01T00:00:00\.000Z, after this run's time 2026-11-30T06:00:00\.000Z/,
    );
  });
});

describe('checkStateSubject', () => {
  const state: ReportState = {
    schema: REPORT_STATE_SCHEMA,
    title: 't',
    generatedAt: '2026-11-29T06:00:00.000Z',
    region: 'us-east-1',
    accountId: '123456789012',
    cceSource: 'securityhub',
    open: {},
    fixed: [],
    trend: [],
  };
  const same = {
    region: 'us-east-1',
    accountId: '123456789012',
    cceSource: 'securityhub' as const,
  };

  it('takes the state of the same account, region and source, and an older state that names none', () => {
    expect(() => {
      checkStateSubject(state, same, 'state.json');
    }).not.toThrow();
    const older: ReportState = {
      schema: state.schema,
      title: state.title,
      generatedAt: state.generatedAt,
      open: {},
      fixed: [],
      trend: [],
    };
    expect(() => {
      checkStateSubject(older, { ...same, region: 'eu-west-1' }, 'state.json');
    }).not.toThrow();
  });

  it('refuses another report’s state, naming each difference', () => {
    expect(() => {
      checkStateSubject(
        state,
        { region: 'eu-west-1', accountId: '210987654321', cceSource: 'config' },
        's3://b/k',
      );
    }).toThrow(
      "state: s3://b/k is another report's state (account 123456789012, not 210987654321; region us-east-1, not eu-west-1; compliance source securityhub, not config)",
    );
  });
});
