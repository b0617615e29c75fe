import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// `npm run demo` leaves what it wrote where it can be explored: every run's reports and the tag
// policy they cite, and its closing lines list exactly the files that are there.
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'actions/dist/cli/index.js');

function runDemo(out: string): Promise<{ status: number | null; stdout: string }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/demo.ts'), '--out', out],
    { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: 'pipe' },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.resume();
  return new Promise((done, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      done({ status, stdout });
    });
  });
}

let out: string;
let stdout: string;

beforeAll(async () => {
  out = join(mkdtempSync(join(tmpdir(), 'ag-demo-')), 'demo');
  ({ stdout } = await runDemo(out));
}, 240_000);

/** The closing listing: `<run>/  file file …` per run directory. */
function listed(): Record<string, string[]> {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith('reports written'));
  const entries: Record<string, string[]> = {};
  for (const line of lines.slice(start + 1)) {
    const match = /^ {2}(\S+)\/\s+(.*)$/.exec(line);
    if (!match) break;
    entries[match[1]!] = match[2] === '(nothing written)' ? [] : match[2]!.split(' ');
  }
  return entries;
}

describe('npm run demo', () => {
  it('lists exactly the report files each run wrote, as they are on disk', () => {
    const entries = listed();
    expect(Object.keys(entries)).toEqual([
      'web-1.0.0',
      'web-1.0.1',
      'compliance-prod',
      'tags-audit-before',
      'tags-apply',
      'tags-audit-after',
      'report-yesterday',
      'report',
      'remediate-s3.8',
      'remediate-ec2.13',
      'fleet-check',
    ]);
    for (const [run, files] of Object.entries(entries)) {
      const onDisk = existsSync(join(out, run))
        ? readdirSync(join(out, run), { withFileTypes: true })
            .filter((entry) => !entry.name.startsWith('.'))
            .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
        : [];
      expect([run, files]).toEqual([run, onDisk.sort()]);
    }
    // The tag runs write no SARIF; apply writes apply.json, an audit tags.json and tags.csv.
    expect(entries['tags-apply']).toEqual([
      'apply.json',
      'evidence.json',
      'summary.md',
      'verdict.json',
    ]);
    expect(entries['tags-audit-before']).toEqual([
      'evidence.json',
      'summary.md',
      'tags.csv',
      'tags.json',
      'verdict.json',
    ]);
  });

  it('keeps the policy the tag runs cite, and the reports replay afterwards, offline', () => {
    const policy = join(out, 'tag-policy.yml');
    expect(existsSync(policy)).toBe(true);
    const verdict = JSON.parse(
      readFileSync(join(out, 'tags-audit-before', 'verdict.json'), 'utf8'),
    ) as { policy: { origin: string } };
    expect(verdict.policy.origin).toBe(policy);
    expect(readFileSync(join(out, 'tags-audit-before', 'summary.md'), 'utf8')).toContain(policy);

    const replayed = spawnSync(process.execPath, [CLI, 'replay', join(out, 'tags-audit-before')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
    });
    expect(replayed.status).toBe(1);
    expect(replayed.stderr).toContain('identical to the recorded verdict');
  });

  it('reports against yesterday: new, fixed and a month of trend, and says where the page is', () => {
    const report = JSON.parse(readFileSync(join(out, 'report', 'report.json'), 'utf8')) as {
      previousAt?: string;
      counts: { new: number; fixed: number; overdue: number; open: { total: number } };
      trend: unknown[];
    };
    expect(report.previousAt).toBeDefined();
    expect(report.counts.new).toBe(2);
    expect(report.counts.fixed).toBe(2);
    expect(report.counts.open.total).toBeGreaterThan(0);
    expect(report.trend).toHaveLength(30);
    const html = readFileSync(join(out, 'report', 'report.html'), 'utf8');
    expect(html.match(/<svg /g)?.length).toBe(6);
    expect(stdout).toContain(join(out, 'report', 'report.html'));
  });

  it('plans remediations from the seeded findings, with an audit record each, and changes nothing', () => {
    for (const [run, document] of [
      ['remediate-s3.8', 'AWS-DisableS3BucketPublicReadWrite'],
      ['remediate-ec2.13', 'AWS-DisableIncomingSSHOnPort22'],
    ] as const) {
      const plan = JSON.parse(readFileSync(join(out, run, 'plan.json'), 'utf8')) as {
        resources: { status: string }[];
      };
      expect(plan.resources.map((resource) => resource.status)).toEqual(['planned']);
      expect(readFileSync(join(out, run, 'summary.md'), 'utf8')).toContain(document);
      const day = readdirSync(join(out, run, 'audit'), { recursive: true }).filter((name) =>
        String(name).endsWith('.json'),
      );
      expect(day).toHaveLength(1);
    }
  });

  it('checks this machine and imports its failing checks into the local Security Hub', () => {
    const verdict = JSON.parse(readFileSync(join(out, 'fleet-check', 'verdict.json'), 'utf8')) as {
      verdict: string;
      counts: { total: number; hosts: number };
      subject: { securityHub?: { imported: number }[] };
    };
    expect(verdict.verdict).toBe('pass');
    expect(verdict.counts.hosts).toBe(1);
    const imported = verdict.subject.securityHub?.[0]?.imported;
    expect(imported).toBe(verdict.counts.total);
    expect(stdout).toContain(`Security Hub now holds ${imported} ACTIVE fleet-check finding(s)`);
  });

  it('says how to explore what it wrote, and that moto was stopped', () => {
    expect(stdout).toContain(`npx assetguard replay ${join(out, 'web-1.0.0')}`);
    expect(stdout).toContain('moto has been stopped');
    expect(stdout).toContain('npm run demo -- --keep');
  });
});
