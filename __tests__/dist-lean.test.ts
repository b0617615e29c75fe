import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// What the committed bundles (actions/dist) carry, and where: each action's index.js is what a
// runner parses before the first AWS request, its chunk files only on the path that needs them
// (issue 12). Markers are strings each package holds in its minified code.
const dist = join(__dirname, '../actions/dist');
const ACTIONS = [
  'scan-gate',
  'compliance-gate',
  'tag-policy',
  'daily-report',
  'fleet-check',
  'remediate',
  'pr-summary',
];
/** undici's two llhttp WebAssembly builds, base64 ("\0asm"): two per copy of undici. */
const WASM = 'AGFzbQ';
/** ajv's schema compiler (an option only it reads); the precompiled validators lack it. */
const AJV_COMPILER = 'strictSchema';
/** @octokit/core's user agent. */
const OCTOKIT = 'octokit-core.js/';

const count = (text: string, marker: string): number => text.split(marker).length - 1;
const read = (bundle: string, file: string): string =>
  readFileSync(join(dist, bundle, file), 'utf8');
const chunksOf = (bundle: string): string[] =>
  readdirSync(join(dist, bundle)).filter((file) => /^\d+\.index\.js$/.test(file));

describe.each(ACTIONS)('actions/dist/%s', (bundle) => {
  const entry = read(bundle, 'index.js');

  it('carries one undici (the second, @actions/core 1.x’s, is gone)', () => {
    const all = [entry, ...chunksOf(bundle).map((file) => read(bundle, file))].join('\n');
    expect(count(all, WASM)).toBe(2);
  });

  it('loads octokit from a chunk, only on a run that talks to GitHub', () => {
    expect(count(entry, OCTOKIT)).toBe(0);
    expect(chunksOf(bundle).some((file) => read(bundle, file).includes(OCTOKIT))).toBe(true);
  });

  if (bundle !== 'pr-summary') {
    it('compiles no JSON Schema at run time (its validators are precompiled)', () => {
      const all = [entry, ...chunksOf(bundle).map((file) => read(bundle, file))].join('\n');
      expect(count(all, AJV_COMPILER)).toBe(0);
    });
  }
});

describe('actions/dist/cli entry', () => {
  it('holds no yaml, ajv or undici: the commands load them from their chunks', () => {
    const entry = read('cli', 'index.js');
    expect(count(entry, 'YAMLParseError')).toBe(0);
    expect(count(entry, AJV_COMPILER)).toBe(0);
    expect(count(entry, WASM)).toBe(0);
  });
});
