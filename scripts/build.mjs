// Bundles each action, the CLI and the Lambdas with esbuild into actions/dist/<name>/: ES modules,
// minified and split, so each `import()` is a chunk file beside index.js, read only on the path
// that needs it, and a package.json of {"type": "module"} beside them, by which `node` (the
// Actions runner, Lambda's Node runtime, the CLI's bin) reads them as ES modules. Tree shaking
// keeps of each package only what is used, once two plugins below let it see what that is
// (`import()` slices, the SDK schemas' literal keys). Licences are in licenses.txt.
// @actions/core's OIDC client and bowser are left out of every bundle (see `leftOut`).
// `npm run build -- cli scan-gate` rebuilds only the named bundles.
// `--check` builds into a temporary directory and fails when it differs from the committed tree.
import { execFileSync } from 'node:child_process';
import { build as esbuild } from 'esbuild';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';

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

/**
 * `import()` slices. esbuild keeps every export of a module that is loaded with `import()` (it
 * cannot tell which properties of the namespace are read), so `await import('@aws-sdk/client-ec2')`
 * would ship all of EC2's ~600 operations to use one. The sources write each `import()` of a
 * package as `const { A, B } = await import('pkg')` (core/aws `lazyClient`); this plugin turns
 * each into an import() of a module that re-exports just A and B from pkg, statically, which
 * tree shaking does see through. An `import()` of a package in any other form fails the build,
 * naming the file and line, rather than shipping a whole package unnoticed.
 */
const SLICE = 'assetguard-slice:';
const importSlices = {
  name: 'import-slices',
  setup(build) {
    build.onLoad({ filter: /[\\/]actions[\\/]src[\\/].*\.ts$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const sliced = source.replace(
        /const\s*\{([^{}]*)\}\s*=\s*await\s+import\(\s*'([^'.][^']*)'\s*\)/g,
        (_, names, specifier) => {
          const exported = names
            .split(',')
            .map((name) => name.split(':')[0].trim())
            .filter((name) => name !== '');
          return `const {${names}} = await import('${SLICE}${specifier}--${exported.join('-')}')`;
        },
      );
      // What is left: an import() of a package not in that form (`typeof import()` is a type).
      for (const match of sliced.matchAll(
        /(?<!typeof\s)\bimport\(\s*(['"`])(?!\.|assetguard-slice:)/g,
      )) {
        const line = sliced.slice(0, match.index).split('\n').length;
        throw new Error(
          `${relative(root, path)}:${line}: write an import() of a package as ` +
            "`const { Name } = await import('package')`, so the bundle keeps only what is used",
        );
      }
      return { contents: sliced, loader: 'ts' };
    });
    build.onResolve({ filter: /^assetguard-slice:/ }, ({ path }) => ({
      path: path.slice(SLICE.length),
      namespace: 'import-slice',
    }));
    build.onLoad({ filter: /.*/, namespace: 'import-slice' }, ({ path }) => {
      // `<specifier>--<A>-<B>`: the chunk is named by the part after the last `/`; no `#`, which
      // an import of the chunk would read as a URL fragment.
      const at = path.lastIndexOf('--');
      const names = path.slice(at + 2).split('-');
      return {
        contents: `export { ${names.join(', ')} } from ${JSON.stringify(path.slice(0, at))};\n`,
        resolveDir: root,
        loader: 'js',
      };
    });
  },
};

/**
 * The SDK's schemas with literal keys. Each AWS SDK client's dist-es/schemas/schemas_N.js holds
 * every shape of the service as a top-level array, and marks members with objects such as
 * `{ [_xN]: _II }`, where `_xN` is a top-level `const _xN = "xmlName"`. A computed key may run
 * code (toString), so esbuild keeps every shape, used or not: EC2's 1.3 MB file stayed ~0.9 MB
 * minified for two commands. Each `[_name]` whose `_name` is such a string constant is written as
 * that string: the same object, and a shape nothing references is dropped. Keys of any other
 * form are left as they are (the bundle is bigger, not wrong).
 */
const schemaKeys = {
  name: 'sdk-schema-keys',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ },
      async ({ path }) => {
        const source = await readFile(path, 'utf8');
        const strings = new Map();
        for (const [, name, value] of source.matchAll(
          /^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm,
        )) {
          strings.set(name, value);
        }
        return {
          contents: source.replace(/\[(_\w+)\]:/g, (key, name) =>
            strings.has(name) ? `${strings.get(name)}:` : key,
          ),
          loader: 'js',
        };
      },
    );
  },
};

/**
 * What the bundles leave out.
 * - @actions/core's OIDC client (lib/oidc-utils.js, which it imports as `./oidc-utils.js`): the
 *   only reason it loads @actions/http-client and undici (~0.4 MB; the bundles hold no other
 *   copy), for `getIDToken`, which no assetguard action calls (AWS credentials come from the
 *   job). The bundles take scripts/lib/oidc-unavailable.cjs instead, whose getIDToken throws
 *   naming this build. A new @actions/core that renames the file would bring it back: `build`
 *   fails on that.
 * - bowser, a browser user-agent parser that @aws-sdk/core imports only in its browser provider,
 *   which no Node client calls: an external `import('bowser')` that would fail, naming the
 *   module, if it ever ran.
 */
const leftOut = {
  name: 'left-out',
  setup(build) {
    build.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, ({ importer }) =>
      /[\\/]@actions[\\/]core[\\/]/.test(importer)
        ? { path: join(root, 'scripts/lib/oidc-unavailable.cjs') }
        : undefined,
    );
    build.onResolve({ filter: /^bowser$/ }, () => ({ path: 'bowser', external: true }));
  },
};

/**
 * `require` for the CommonJS packages inside an ES module bundle (esbuild turns their
 * `require('node:fs')` into a call of the `require` in scope; an ES module has none).
 */
const REQUIRE =
  "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);";

// The bundles carry the fleet host check script as a generated module: regenerate it first, so
// an edit of the script reaches the bundles (`--check` only compares; a test compares the two).
// The same for the JSON Schema validators, compiled to standalone code (scripts/validators.ts),
// which first checks the control mapping table the bundles ship (core/controls.json). Each step
// prints its own error; the build then stops without a stack trace.
if (!check) {
  const steps = [
    [process.execPath, 'scripts/fleet/embed-script.mjs'],
    [join(root, 'node_modules/.bin/tsx'), 'scripts/validators.ts'],
  ];
  for (const [program, script] of steps) {
    try {
      execFileSync(program, [join(root, script)], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } catch {
      process.stderr.write(`build failed: ${script} failed (its error is above)\n`);
      process.exit(1);
    }
  }
}

/** One esbuild build into actions/dist/<name>/ (or the check directory). */
async function build(name, entry) {
  const out = join(outRoot, name);
  rmSync(out, { recursive: true, force: true });
  const { metafile } = await esbuild({
    absWorkingDir: root,
    entryPoints: { index: join(root, entry) },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // The SDK's and octokit's ES module builds first: tree shaking needs `import`/`export`.
    mainFields: ['module', 'main'],
    minify: true,
    legalComments: 'none',
    chunkNames: '[name]-[hash]',
    banner: { js: REQUIRE },
    plugins: [importSlices, schemaKeys, leftOut],
    metafile: true,
    logLevel: 'error',
  });
  const inputs = reachable(metafile.outputs, out).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([path]) => path),
  );
  const leaked = inputs.find((path) => /node_modules\/@actions\/core\/.*oidc/i.test(path));
  if (leaked !== undefined) {
    throw new Error(
      `${name} bundles ${leaked}: @actions/core no longer imports its OIDC client as ./oidc-utils.js; update \`leftOut\``,
    );
  }
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(out, 'licenses.txt'), licenses(inputs));
  if (name === 'cli') chmodSync(join(out, 'index.js'), 0o755);
}

/**
 * The outputs index.js loads, statically or by `import()`, directly or through other chunks
 * (esbuild's metafile `outputs`: path → { imports: [{ path, kind, external }], … }). The rest are
 * deleted from `out`: esbuild writes a chunk for every `import()` it scanned, even one whose
 * caller tree shaking removed (core/evidence's validator, in each gate that writes evidence but
 * never reads a bundle), and nothing could load such a chunk.
 */
function reachable(outputs, out) {
  const entry = Object.keys(outputs).find((path) => /(^|\/)index\.js$/.test(path));
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    for (const { path, external } of outputs[queue.pop()].imports) {
      if (external || seen.has(path)) continue;
      seen.add(path);
      queue.push(path);
    }
  }
  for (const path of Object.keys(outputs)) {
    if (!seen.has(path)) rmSync(join(out, basename(path)));
  }
  return [...seen].map((path) => outputs[path]);
}

/**
 * licenses.txt of one bundle: every npm package whose code is in it, index.js or any chunk
 * (`inputs`: the paths of esbuild's metafile that put bytes in an output index.js loads), each
 * as its name, its package.json `license` and its LICENSE/LICENCE/COPYING file, sorted by name.
 */
function licenses(inputs) {
  const dirs = new Set();
  for (const path of inputs) {
    const at = path.lastIndexOf('node_modules/');
    if (at < 0) continue;
    const rest = path.slice(at + 'node_modules/'.length).split('/');
    const pkg = rest[0].startsWith('@') ? rest.slice(0, 2).join('/') : rest[0];
    dirs.add(join(root, path.slice(0, at), 'node_modules', pkg));
  }
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
// One at a time: esbuild uses every core for one build already.
try {
  for (const [name, entry] of queue) await build(name, entry);
} catch (error) {
  process.stderr.write(`build failed: ${error.message}\n`);
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
