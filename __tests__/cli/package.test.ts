import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The CLI installs the way Node CLIs do: `npm pack`, then `npm install -g` of the tarball (or a
// git dependency, which npm packs the same way). The bin is a self-contained esbuild bundle, so the
// package has no runtime dependencies and installs with no registry at all. The bundle is an
// entry plus one chunk file per command (loaded when that command runs): every one is packed.
const ROOT = resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies?: Record<string, string>;
};

/** npm with no registry it could reach: anything that tries the network fails loudly. */
function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    },
  });
}

interface PackResult {
  filename: string;
  files: { path: string }[];
}

let packed: PackResult;
let tarball: string;

beforeAll(() => {
  const dry = JSON.parse(npm(['pack', '--dry-run', '--json'], ROOT)) as PackResult[];
  packed = dry[0]!;
  const destination = mkdtempSync(join(tmpdir(), 'ag-pack-'));
  const [real] = JSON.parse(
    npm(['pack', '--json', '--pack-destination', destination], ROOT),
  ) as PackResult[];
  tarball = join(destination, real!.filename);
}, 120_000);

describe('the npm package', () => {
  it('holds the bundled bin, its chunks, its licenses and the README, and nothing from src or tests', () => {
    const paths = packed.files.map((file) => file.path).sort();
    const bundle = readdirSync(join(ROOT, 'actions/dist/cli'))
      .filter((file) => file.endsWith('.js'))
      .map((file) => `actions/dist/cli/${file}`);
    expect(bundle.length).toBeGreaterThan(1);
    expect(paths).toEqual(
      [
        'README.md',
        ...bundle,
        'actions/dist/cli/licenses.txt',
        // {"type": "module"}: the bundle is ES modules, as `node` must read them.
        'actions/dist/cli/package.json',
        'package.json',
        ...(existsSync(join(ROOT, 'LICENSE')) ? ['LICENSE'] : []),
      ].sort(),
    );
    expect(paths).toContain(pkg.bin.assetguard);
    expect(paths.filter((path) => /(^|\/)(src|__tests__|scripts|infra)\//.test(path))).toEqual([]);
  });

  it('has no runtime dependencies: the bin is self-contained', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it.each([
    ['--prefix', ['install'], (prefix: string) => join(prefix, 'node_modules/.bin/assetguard')],
    ['-g --prefix', ['install', '-g'], (prefix: string) => join(prefix, 'bin/assetguard')],
  ])(
    'npm install %s <tarball> works offline and gives a working `assetguard`',
    (_how, install, bin) => {
      const prefix = mkdtempSync(join(tmpdir(), 'ag-install-'));
      npm([...install, '--offline', '--prefix', prefix, tarball], prefix);
      const version = spawnSync(bin(prefix), ['--version'], {
        cwd: prefix,
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      });
      expect(version.stderr).toBe('');
      expect(version.stdout.trim()).toBe(pkg.version);
      const help = spawnSync(bin(prefix), ['tags', 'publish', '--help'], {
        cwd: prefix,
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      });
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('Usage: assetguard tags publish');
      // A command's chunk file loads from the installed package: replay refuses a missing bundle
      // with its own message (exit 2), not a module the package lacks.
      const replay = spawnSync(bin(prefix), ['replay', join(prefix, 'no-such-evidence.json')], {
        cwd: prefix,
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      });
      expect(replay.stderr).not.toMatch(/Cannot find module|MODULE_NOT_FOUND/);
      expect(replay.stderr).toContain('no-such-evidence.json');
      expect(replay.status).toBe(2);
    },
    60_000,
  );
});
