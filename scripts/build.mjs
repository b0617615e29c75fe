// Bundles each action (and the CLI) with @vercel/ncc into actions/dist/<name>/, minified (a
// runner or Lambda reads and compiles less: see BENCHMARKS.md "Bundles"), licenses in
// licenses.txt. The CLI is compiled as ES modules (actions/src/cli/tsconfig.json), so each
// command's import() becomes a chunk file beside index.js, loaded only when that command runs.
// index.js and every chunk are minified here with esbuild (see build() for why not ncc's).
// @actions/core's OIDC client and bowser are left out of every bundle (see `externals`).
// `npm run build -- cli scan-gate` rebuilds only the named bundles.
// `--check` builds into a temporary directory and fails when it differs from the committed tree.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { transform } from 'esbuild';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const entries = {
  'scan-gate': 'actions/src/scan-gate/index.ts',
  'compliance-gate': 'actions/src/compliance-gate/index.ts',
  'tag-policy': 'actions/src/tag-policy/index.ts',
  'daily-report': 'actions/src/report/index.ts',
  'fleet-check': 'actions/src/fleet-check/index.ts',
  remediate: 'actions/src/remediate/index.ts',
  'pr-summary': 'actions/src/pr-summary/index.ts',
  cli: 'actions/src/cli/index.ts',
  'lambda/auto-tag': 'actions/src/lambda/auto-tag/index.ts',
  'lambda/finding-alert': 'actions/src/lambda/finding-alert/index.ts',
  'lambda/ssm-role-fixer': 'actions/src/lambda/ssm-role-fixer/index.ts',
};
const check = process.argv.includes('--check');
const outRoot = check
  ? mkdtempSync(join(tmpdir(), 'assetguard-dist-'))
  : join(root, 'actions/dist');
const nccBundle = join(root, 'scripts/lib/ncc-bundle.cjs');

/**
 * @actions/core's `getIDToken` (GitHub's OIDC token) is the one part of it that needs an HTTP
 * client: its lib/oidc-utils.js imports @actions/http-client, which imports undici (~0.4 MB
 * minified, with two WebAssembly builds) at load. No assetguard action calls getIDToken (AWS
 * credentials come from the job), yet every action evaluated undici before its first AWS request.
 * So the bundles take that one module from OIDC_STUB, a file shipped beside index.js (from
 * scripts/lib/oidc-unavailable.cjs; `.js` in dist, which package.json's `files` ships with the
 * CLI) whose getIDToken throws naming this build: ncc's `externals` (through its API,
 * scripts/lib/ncc-bundle.cjs) maps the request `./oidc-utils.js`, as @actions/core writes it, to
 * a require of the stub. undici stays only where it is used: @actions/github's fetch, in the chunk a run that
 * talks to GitHub loads. __tests__/dist-lean.test.ts checks both, and that the stub is the only
 * module so replaced (a new @actions/core that renames the file fails that test, not a run).
 */
const OIDC_REQUEST = './oidc-utils.js';
const OIDC_STUB = 'oidc-unavailable.js';
/**
 * What the bundles leave out (ncc `externals`: a request as a module writes it → what the bundle
 * requires at run time instead): the OIDC client (above), and bowser, a browser user-agent
 * parser (~34 KB minified in every bundle) that @aws-sdk/core requires only inside its browser
 * user-agent provider (`createUserAgentStringParsingProvider`), which no Node client calls: left
 * as a plain `require('bowser')` that would fail, naming the module, if that ever ran.
 */
const externals = { [OIDC_REQUEST]: `./${OIDC_STUB}`, bowser: 'bowser' };
const statsDir = mkdtempSync(join(tmpdir(), 'assetguard-stats-'));
process.on('exit', () => rmSync(statsDir, { recursive: true, force: true }));

// The bundles carry the fleet host check script as a generated module: regenerate it first, so
// an edit of the script reaches the bundles (`--check` only compares; a test compares the two).
// The same for the JSON Schema validators, compiled to standalone code (scripts/validators.ts).
if (!check) {
  execFileSync(process.execPath, [join(root, 'scripts/fleet/embed-script.mjs')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  execFileSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'scripts/validators.ts')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** One ncc build into actions/dist/<name>/ (or the check directory). */
async function build(name, entry) {
  const out = join(outRoot, name);
  rmSync(out, { recursive: true, force: true });
  // Outside `out`, which check-dist compares file by file.
  const stats = join(statsDir, `${name.replace('/', '-')}.json`);
  const { stderr } = await promisify(execFile)(
    process.execPath,
    [nccBundle, join(root, entry), out, stats, JSON.stringify(externals)],
    { cwd: root, maxBuffer: 64 * 1024 * 1024 },
  );
  if (stderr.trim() !== '') process.stderr.write(stderr);
  // The stub goes where a file of the bundle requires it (bundles with @actions/core).
  const bundled = readdirSync(out).filter((file) => /^(\d+\.)?index\.js$/.test(file));
  if (bundled.some((file) => readFileSync(join(out, file), 'utf8').includes(`./${OIDC_STUB}`))) {
    copyFileSync(join(root, 'scripts/lib/oidc-unavailable.cjs'), join(out, OIDC_STUB));
  }
  // Minified with esbuild rather than ncc's --minify (terser): the same output shape in about
  // 1/30 of the time (terser added 256 s to one bundle's build on a loaded 2-core CI, esbuild
  // 7 s) and a few per cent smaller. Licences are in licenses.txt (below), so comments go.
  for (const file of bundled) {
    const path = join(out, file);
    const { code } = await transform(readFileSync(path, 'utf8'), {
      minify: true,
      target: 'es2022',
      legalComments: 'none',
    });
    writeFileSync(path, code);
  }
  writeFileSync(join(out, 'licenses.txt'), licenses(JSON.parse(readFileSync(stats, 'utf8'))));
  if (name === 'cli') chmodSync(join(out, 'index.js'), 0o755);
}

/**
 * licenses.txt of one bundle: every npm package whose code is in it, index.js or any chunk
 * (the modules of webpack's stats, which ncc writes with --stats-out), each as its name, its
 * package.json `license` and its LICENSE/LICENCE/COPYING file, sorted by name. ncc's own
 * --license lists only the last chunk it emits once a bundle has chunks, which left every
 * package of index.js out.
 */
function licenses(stats) {
  const dirs = new Set();
  const visit = (modules) => {
    for (const module of modules ?? []) {
      const path = String(module.name ?? '');
      const at = path.lastIndexOf('node_modules/');
      if (at >= 0) {
        const rest = path.slice(at + 'node_modules/'.length).split('/');
        const pkg = rest[0].startsWith('@') ? rest.slice(0, 2).join('/') : rest[0];
        dirs.add(join(root, path.slice(0, at).replace(/^\.\//, ''), 'node_modules', pkg));
      }
      visit(module.modules);
    }
  };
  visit(stats.modules);
  const entries = new Map();
  for (const dir of dirs) {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const license =
      typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? '');
    const file = readdirSync(dir).find((entry) => /^(licen[cs]e|copying)(\.|$)/i.test(entry));
    const text = file === undefined ? '' : readFileSync(join(dir, file), 'utf8').trim();
    entries.set(`${manifest.name}\n${license}\n${text}`, manifest.name);
  }
  return [...entries]
    .sort(([a, nameA], [b, nameB]) => nameA.localeCompare(nameB) || a.localeCompare(b))
    .map(([entry]) => `${entry}\n\n`)
    .join('');
}

// Two builds at a time: ncc is mostly single-threaded, and the output does not depend on order.
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
for (const name of only) {
  if (!(name in entries)) {
    console.error(`no bundle named "${name}"; the bundles: ${Object.keys(entries).join(', ')}`);
    process.exit(2);
  }
}
if (check && only.length > 0) {
  console.error('--check compares every bundle: give no names with it');
  process.exit(2);
}
const queue = Object.entries(entries).filter(([name]) => only.length === 0 || only.includes(name));
try {
  await Promise.all(
    [0, 1].map(async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await build(...next);
    }),
  );
} catch (error) {
  process.stderr.write(`ncc failed: ${error.stderr || error.message}\n`);
  process.exit(1);
}

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((file) => join(dir, String(file)))
    .filter((file) => statSync(file).isFile())
    .map((file) => relative(dir, file))
    .sort();
}

if (check) {
  const committed = join(root, 'actions/dist');
  const built = files(outRoot);
  const have = files(committed);
  const problems = [];
  for (const file of new Set([...built, ...have])) {
    if (!built.includes(file)) problems.push(`extra in actions/dist: ${file}`);
    else if (!have.includes(file)) problems.push(`missing from actions/dist: ${file}`);
    else if (!readFileSync(join(outRoot, file)).equals(readFileSync(join(committed, file)))) {
      problems.push(`differs: actions/dist/${file}`);
    }
  }
  rmSync(outRoot, { recursive: true, force: true });
  if (problems.length > 0) {
    console.error(
      `actions/dist is out of date; run \`npm run build\` and commit:\n  ${problems.join('\n  ')}`,
    );
    process.exit(1);
  }
  console.log(`actions/dist matches a fresh build (${built.length} files)`);
}
