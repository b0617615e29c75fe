import { DEFAULT_RESOURCE_TYPES } from '../../actions/src/core/tag-policy';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../actions/src/core/errors';
import {
  DEFAULT_REPORT_POLICY,
  DEFAULT_POLICY_PATH,
  DEFAULT_POLICY_TEXT,
  loadPolicy,
  MAX_POLICY_BYTES,
  parsePolicy,
  sha256,
  type Policy,
} from '../../actions/src/core/policy';

/** Joins lines so each fixture shows its line numbers to the reader. */
function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

function parseError(text: string, origin = 'policy.yml'): ConfigurationError {
  try {
    parsePolicy(text, origin);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('parsePolicy accepted an invalid policy');
}

describe('parsePolicy', () => {
  it('normalizes a complete policy from kebab-case keys into the typed policy', () => {
    const policy = parsePolicy(
      lines(
        'version: 1',
        'image:',
        '  fail-on: [CRITICAL]',
        '  fixable-only: true',
        '  also-block:',
        '    epss-above: 0.5',
        '    exploit-available: true',
        'compliance:',
        '  fail-on: [HIGH, MEDIUM]',
        'tags:',
        '  required:',
        '    Owner: { pattern: "@example\\\\.com$", default: ops@example.com }',
        'exceptions:',
        '  - id: CVE-2024-0001',
        '    scope: { repository: web, package: openssl }',
        '    reason: no network path to the parser',
        '    owner: team-web',
        '    expires: 2026-06-30',
      ),
      'policy.yml',
    );
    expect(policy).toEqual<Policy>({
      version: 1,
      image: {
        failOn: ['CRITICAL'],
        fixableOnly: true,
        alsoBlock: { epssAbove: 0.5, exploitAvailable: true },
      },
      compliance: {
        failOn: ['HIGH', 'MEDIUM'],
        rules: { include: [], exclude: [] },
        defaultSeverity: 'MEDIUM',
        insufficientData: 'warn',
      },
      tags: {
        required: [{ key: 'Owner', pattern: '@example\\.com$', default: 'ops@example.com' }],
        derive: [],
        resourceTypes: DEFAULT_RESOURCE_TYPES,
        minCoverage: 0,
        overwrite: false,
        parameter: '/assetguard/tag-policy',
        groups: [],
      },
      report: DEFAULT_REPORT_POLICY,
      exceptions: [
        {
          id: 'CVE-2024-0001',
          scope: { repository: 'web', package: 'openssl' },
          reason: 'no network path to the parser',
          owner: 'team-web',
          // An unquoted date stays the string the user wrote (YAML 1.2 core schema).
          expires: '2026-06-30',
        },
      ],
    });
  });

  it('fills every omitted section with the defaults of the built-in policy', () => {
    expect(parsePolicy('version: 1\n', 'policy.yml')).toEqual<Policy>({
      version: 1,
      image: { failOn: ['CRITICAL', 'HIGH'], fixableOnly: false, alsoBlock: {} },
      compliance: {
        failOn: ['CRITICAL', 'HIGH'],
        rules: { include: [], exclude: [] },
        defaultSeverity: 'MEDIUM',
        insufficientData: 'warn',
      },
      report: DEFAULT_REPORT_POLICY,
      exceptions: [],
    });
    expect(parsePolicy(DEFAULT_POLICY_TEXT, 'built-in default')).toEqual(
      parsePolicy('version: 1\n', 'policy.yml'),
    );
  });

  it('rejects invalid YAML with file:line and the first line of the parser message', () => {
    const error = parseError(
      lines('version: 1', 'image:', '  fail-on: [HIGH]', '   fixable-only: true'),
    );
    expect(error.message).toBe(
      'policy.yml:4: invalid YAML: All mapping items must start at the same column',
    );
  });

  it('points an unclosed flow list at the line where the parser gives up', () => {
    const error = parseError(lines('version: 1', 'image:', '  fail-on: [HIGH', 'compliance: {}'));
    expect(error.message).toMatch(/^policy\.yml:4: invalid YAML: Flow sequence .* end with a \]$/);
  });

  it('rejects a tab-indented line naming that line', () => {
    const error = parseError(lines('version: 1', 'image:', '\tfail-on: [HIGH]'));
    expect(error.message).toMatch(/^policy\.yml:3: invalid YAML: /);
  });

  it('rejects duplicate keys at the line of the repeated key', () => {
    const error = parseError(
      lines('version: 1', 'image:', '  fail-on: [HIGH]', '  fail-on: [CRITICAL]'),
    );
    expect(error.message).toBe('policy.yml:4: invalid YAML: Map keys must be unique');
  });

  it.each([
    ['an empty file', ''],
    ['a file of comments only', '# assetguard policy\n# TODO\n'],
  ])('rejects %s and says how to start it', (_name, text) => {
    expect(parseError(text, '.github/assetguard.yml').message).toBe(
      '.github/assetguard.yml: the policy file is empty; start it with "version: 1"',
    );
  });

  describe('schema errors name the file, the line and the dotted key', () => {
    it.each<[string, string, string]>([
      [
        'an unknown key (a typo)',
        lines('version: 1', 'image:', '  fail-on: [HIGH]', '  fial-on: [CRITICAL]'),
        'policy.yml:4: image.fial-on: unknown key "fial-on"',
      ],
      [
        'an unknown key whose value is a block on the following lines',
        lines('version: 1', 'image:', '  fixable-only: true', '  failon:', '    - HIGH'),
        'policy.yml:4: image.failon: unknown key "failon"',
      ],
      [
        'an unknown top-level key',
        lines('version: 1', 'images:', '  fail-on: [HIGH]'),
        'policy.yml:2: images: unknown key "images"',
      ],
      [
        'an unknown severity',
        lines('version: 1', 'image:', '  fail-on:', '    - CRITICAL', '    - SEVERE'),
        'policy.yml:5: image.fail-on.1: must be one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNTRIAGED',
      ],
      [
        'a lowercase severity in a flow list',
        lines('version: 1', 'compliance:', '  fail-on: [high]'),
        'policy.yml:3: compliance.fail-on.0: must be one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNTRIAGED',
      ],
      [
        'an impossible expiry date',
        lines(
          'version: 1',
          'exceptions:',
          '  - id: CVE-2024-0001',
          '    reason: accepted',
          '    owner: team-web',
          '    expires: 2026-02-30',
        ),
        'policy.yml:6: exceptions.0.expires: must match format "date"',
      ],
      [
        'an exception missing its owner',
        lines(
          'version: 1',
          'exceptions:',
          '  - id: CVE-2024-0001',
          '    reason: accepted',
          '    owner: team-web',
          '    expires: 2026-06-30',
          '  - id: CVE-2024-0002',
          '    reason: accepted',
          '    expires: 2026-06-30',
        ),
        'policy.yml:7: exceptions.1: missing required key "owner"',
      ],
      [
        'an epss threshold above 1',
        lines('version: 1', 'image:', '  also-block:', '    epss-above: 50'),
        'policy.yml:4: image.also-block.epss-above: must be <= 1',
      ],
      [
        'a version other than 1',
        lines('version: 2', 'image:', '  fail-on: [HIGH]'),
        'policy.yml:1: version: must be 1',
      ],
      [
        'a missing version (after a comment)',
        lines('# our policy', 'image:', '  fail-on: [HIGH]'),
        'policy.yml:2: (top level): missing required key "version"',
      ],
    ])('%s', (_name, text, problem) => {
      const error = parseError(text);
      expect(error.message).toBe(`invalid policy (1 problem):\n  ${problem}`);
    });

    it('lists every problem, one per line', () => {
      const error = parseError(
        lines(
          'version: 1',
          'image:',
          '  fail-on: [HIGH, SEVERE]',
          '  fixable: true',
          'exceptions:',
          '  - id: CVE-2024-0001',
          '    reason: accepted',
          '    owner: team-web',
          '    expires: next week',
        ),
      );
      const listed = error.message.split('\n').slice(1);
      expect(error.message.split('\n')[0]).toBe(`invalid policy (${listed.length} problems):`);
      expect(listed).toEqual(
        expect.arrayContaining([
          '  policy.yml:3: image.fail-on.1: must be one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNTRIAGED',
          '  policy.yml:4: image.fixable: unknown key "fixable"',
          expect.stringMatching(/^ {2}policy\.yml:9: exceptions\.0\.expires: must match /),
        ]),
      );
    });
  });
});

describe('report.route-domains', () => {
  const withDomains = (domains: string): string =>
    lines('version: 1', 'report:', '  route-by: Owner', `  route-domains: ${domains}`);

  it('defaults to none: no tag value is mailed directly', () => {
    expect(DEFAULT_REPORT_POLICY.routeDomains).toEqual([]);
    expect(
      parsePolicy(lines('version: 1', 'report:', '  route-by: Owner'), 'policy.yml').report,
    ).toMatchObject({ routeBy: 'Owner', routeDomains: [] });
  });

  it('reads domains in lower case, an explicit *. wildcard kept', () => {
    const policy = parsePolicy(withDomains("[Example.COM, '*.corp.example.net']"), 'policy.yml');
    expect(policy.report.routeDomains).toEqual(['example.com', '*.corp.example.net']);
  });

  it.each<[string, string, string]>([
    [
      'an address',
      "['attacker@evil.example']",
      'policy.yml:4: report.route-domains.0: must be a mail domain such as example.com, or *.example.com for its subdomains',
    ],
    [
      'a wildcard without its dot',
      "['*example.com']",
      'policy.yml:4: report.route-domains.0: must be a mail domain such as example.com, or *.example.com for its subdomains',
    ],
    [
      'a bare wildcard',
      "['*']",
      'policy.yml:4: report.route-domains.0: must be a mail domain such as example.com, or *.example.com for its subdomains',
    ],
    [
      'a repeated domain',
      '[example.com, example.com]',
      'policy.yml:4: report.route-domains: must NOT have duplicate items (items ## 1 and 0 are identical)',
    ],
  ])('refuses %s', (_name, domains, problem) => {
    expect(parseError(withDomains(domains)).message).toBe(
      `invalid policy (1 problem):\n  ${problem}`,
    );
  });
});

describe('loadPolicy', () => {
  let cwd: string;
  let workspace: string;

  beforeEach(async () => {
    cwd = process.cwd();
    workspace = await mkdtemp(join(tmpdir(), 'assetguard-policy-'));
    process.chdir(workspace);
  });

  afterEach(async () => {
    process.chdir(cwd);
    await rm(workspace, { recursive: true, force: true });
  });

  it('uses the built-in default when .github/assetguard.yml is absent', async () => {
    const loaded = await loadPolicy(undefined);
    expect(loaded.origin).toBe('built-in default');
    expect(loaded.text).toBe(DEFAULT_POLICY_TEXT);
    expect(loaded.sha256).toBe(sha256(DEFAULT_POLICY_TEXT));
    expect(loaded.policy.image.failOn).toEqual(['CRITICAL', 'HIGH']);
    expect(loaded.policy.exceptions).toEqual([]);
    // Naming the default path explicitly is the same as omitting it.
    expect((await loadPolicy(DEFAULT_POLICY_PATH)).origin).toBe('built-in default');
  });

  it('reads .github/assetguard.yml when it exists and records its text and hash', async () => {
    const text = lines('version: 1', 'image:', '  fail-on: [CRITICAL]');
    await mkdir('.github');
    await writeFile(DEFAULT_POLICY_PATH, text);
    const loaded = await loadPolicy(undefined);
    expect(loaded.origin).toBe(DEFAULT_POLICY_PATH);
    expect(loaded.text).toBe(text);
    expect(loaded.sha256).toBe(sha256(text));
    expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(loaded.policy.image.failOn).toEqual(['CRITICAL']);
  });

  it('fails with a ConfigurationError naming an explicit policy file that does not exist', async () => {
    await expect(loadPolicy('policies/strict.yml')).rejects.toThrow(
      new ConfigurationError(
        'policy: policies/strict.yml does not exist (omit the policy input to use the built-in default)',
      ),
    );
    await expect(loadPolicy('policies/strict.yml')).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('fails with a ConfigurationError when the policy path is a directory', async () => {
    await mkdir('policies');
    await expect(loadPolicy('policies')).rejects.toThrow(/^policy: cannot read policies: EISDIR$/);
  });

  it('names the file given in errors about its content', async () => {
    await writeFile('strict.yml', lines('version: 1', 'image:', '  fail-on: [URGENT]'));
    await expect(loadPolicy('strict.yml')).rejects.toThrow(
      'strict.yml:3: image.fail-on.0: must be one of',
    );
  });
});

describe('blank text is no reason', () => {
  it.each([
    ['reason', '    reason: "   "', 'policy.yml:4: exceptions.0.reason: must not be blank'],
    ['owner', '    owner: " "', 'policy.yml:5: exceptions.0.owner: must not be blank'],
    // Invisible characters say nothing either: zero-width space, word joiner, BOM.
    [
      'reason',
      '    reason: "\\u200b\\u2060\\ufeff"',
      'policy.yml:4: exceptions.0.reason: must not be blank',
    ],
    ['id', '  - id: "\t"', 'policy.yml:3: exceptions.0.id: must not be blank'],
  ])('an exception with a blank %s is refused with file:line', (field, line, problem) => {
    const entry = [
      '  - id: CVE-2024-0001',
      '    reason: not reachable',
      '    owner: sec@example.com',
      '    expires: 2026-12-31',
    ].map((text) => (text.includes(`${field}:`) ? line : text));
    const error = parseError(lines('version: 1', 'exceptions:', ...entry));
    expect(error.message).toBe(`invalid policy (1 problem):\n  ${problem}`);
  });

  it('refuses a blank reason and owner together, both named, in line order', () => {
    const error = parseError(
      lines(
        'version: 1',
        'exceptions:',
        '  - id: CVE-2024-0001',
        '    owner: " "',
        '    reason: "   "',
        '    expires: 2026-12-31',
      ),
    );
    expect(error.message).toBe(
      [
        'invalid policy (2 problems):',
        '  policy.yml:4: exceptions.0.owner: must not be blank',
        '  policy.yml:5: exceptions.0.reason: must not be blank',
      ].join('\n'),
    );
  });
});

describe('several policy problems are listed one per line, in the order of the file', () => {
  it('sorts schema problems by line whatever order the schema found them in', () => {
    const error = parseError(
      lines(
        'version: 1',
        'exceptions:',
        '  - id: CVE-2024-0001',
        '    reason: r',
        '    owner: o',
        '    expires: soon',
        'image:',
        '  fail-on: [URGENT]',
        'compliance:',
        '  fail-on: [SEVERE]',
      ),
    );
    const listed = error.message.split('\n').slice(1);
    const numbers = listed.map((line) => Number(/^ {2}policy\.yml:(\d+):/.exec(line)?.[1]));
    expect(numbers).toEqual([6, 6, 8, 10]);
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
  });
});

describe('an empty fail-on is accepted', () => {
  it('parses image.fail-on: [] and compliance.fail-on: [] (the verdict warns; see verdict tests)', () => {
    const policy = parsePolicy(
      lines('version: 1', 'image:', '  fail-on: []', 'compliance:', '  fail-on: []'),
      'policy.yml',
    );
    expect(policy.image.failOn).toEqual([]);
    expect(policy.compliance.failOn).toEqual([]);
  });
});

describe('the policy size is bounded', () => {
  const big = (bytes: number): string =>
    `version: 1\nexceptions:\n${'# padding padding padding padding padding padding padding padding\n'.repeat(
      Math.ceil(bytes / 66),
    )}`;

  it('refuses policy text over MAX_POLICY_BYTES before parsing it, naming the origin', () => {
    const started = Date.now();
    const error = parseError(big(MAX_POLICY_BYTES + 1), 'bundle policy');
    expect(error.message).toMatch(
      /^bundle policy: the policy is 1\.0 MiB \(\d+ bytes\); at most 1 MiB \(1048576 bytes\) is accepted \(is this the intended file\?\)$/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('accepts a policy just under the bound (about 9,000 exceptions), in well under a few seconds', () => {
    const entry = (index: number): string =>
      `  - id: CVE-2024-${String(index).padStart(5, '0')}\n    reason: accepted for the migration\n    owner: sec@example.com\n    expires: 2026-12-31\n`;
    let text = 'version: 1\nexceptions:\n';
    for (let index = 0; Buffer.byteLength(text) + 120 < MAX_POLICY_BYTES; index += 1) {
      text += entry(index);
    }
    const started = Date.now();
    expect(parsePolicy(text, 'policy.yml').exceptions.length).toBeGreaterThan(9000);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses a 50 MB policy file at once, by its size, naming the file (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ag-big-policy-'));
    try {
      const file = join(dir, 'huge.yml');
      await writeFile(file, big(50 * 1024 * 1024));
      const started = Date.now();
      const failure = loadPolicy(file);
      await expect(failure).rejects.toBeInstanceOf(ConfigurationError);
      const size = Buffer.byteLength(big(50 * 1024 * 1024));
      await expect(failure).rejects.toThrow(
        `${file}: the policy is 50.0 MiB (${size} bytes); at most 1 MiB (1048576 bytes) is accepted`,
      );
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
