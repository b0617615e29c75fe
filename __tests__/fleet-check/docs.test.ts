import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HOST_CHECK_IDS, SCRIPT_SETTINGS } from '../../actions/src/sources/host-check';
import { plantCleanHost, runScript } from './planted-host';

// docs/fleet-check.md against its sources: the check table against what the script prints (ids in
// its order, severities, titles), the settings table against what check-settings takes.

const ROOT = resolve(__dirname, '../..');
const docs = readFileSync(join(ROOT, 'docs/fleet-check.md'), 'utf8');

/** The rows of the Markdown table whose header starts with `first`, as trimmed cells. */
function tableRows(first: string): string[][] {
  const lines = docs.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`| ${first} `));
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

const unquote = (cell: string): string => cell.replace(/^`|`$/g, '');

describe('docs/fleet-check.md', () => {
  const root = plantCleanHost();
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('lists exactly the script’s checks, in its order, with its severities and titles', () => {
    const run = runScript(root);
    const printed = new Map(
      run.lines.slice(1, -1).map((line) => [
        String(line.check),
        {
          severity: line.severity,
          // RES-DISK names its mount point in its title; the table says <mount>.
          title:
            typeof line.item === 'string' && typeof line.title === 'string'
              ? line.title.replace(line.item, '`<mount>`')
              : line.title,
        },
      ]),
    );
    const rows = tableRows('Check');
    expect(rows.map(([check]) => unquote(check ?? ''))).toEqual([...HOST_CHECK_IDS]);
    for (const [check = '', severity, title] of rows) {
      expect({ check, severity, title }).toEqual({
        check,
        ...printed.get(unquote(check)),
      });
    }
  });

  it('U-08 says what the script accepts: 400, or 640 with the group shadow', () => {
    const row = tableRows('Check').find(([check]) => check === '`U-08`');
    expect(row?.[3]).toContain('mode 400 or stricter');
    expect(row?.[3]).toContain('640 when its group is `shadow`');
    expect(row?.[3]).not.toMatch(/\b600\b/);
  });

  it('documents exactly the settings check-settings takes, with their defaults', () => {
    const rows = tableRows('Variable');
    expect(rows.map(([name]) => unquote(name ?? ''))).toEqual(Object.keys(SCRIPT_SETTINGS));
    for (const [name = '', value] of rows) {
      const setting = SCRIPT_SETTINGS[unquote(name) as keyof typeof SCRIPT_SETTINGS];
      expect({ name, value }).toEqual({ name, value: `\`${setting.default}\`` });
    }
  });

  it('shows sudo keeping the environment and PATH wherever it runs the CLI', () => {
    const sudo = docs.split('\n').filter((line) => /\bsudo\b.*\bassetguard\b/.test(line));
    expect(sudo.length).toBeGreaterThan(0);
    for (const line of sudo) expect(line).toMatch(/sudo (-E|--preserve-env=\S+) env "PATH=\$PATH"/);
  });
});
