import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// What a committed bundle directory (actions/dist/<name>, built by scripts/build.mjs with esbuild)
// holds: index.js, ES module chunk files beside it, package.json ({"type": "module"}) and
// licenses.txt. A chunk is either imported statically (by index.js or by another such chunk:
// `node` reads it before the bundle runs) or only through `import()` (read on the path that
// calls it).

/** Every chunk file of the bundle in `dir` (its .js files but index.js), sorted. */
export function chunksOf(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.js') && file !== 'index.js')
    .sort();
}

/** The chunk files `file` imports statically (`import … from"./x.js"`, `import"./x.js"`). */
export function staticImportsOf(dir: string, file: string): string[] {
  const text = readFileSync(join(dir, file), 'utf8');
  // A dynamic import is `import("./x.js")`: the parenthesis keeps it out of this pattern.
  return [...text.matchAll(/(?:\bfrom|\bimport)\s*"\.\/([\w.-]+\.js)"/g)].map((match) => match[1]!);
}

/** The chunk files `file` loads by `import("./x.js")`, on the paths that call it. */
export function dynamicImportsOf(dir: string, file: string): string[] {
  const text = readFileSync(join(dir, file), 'utf8');
  return [...text.matchAll(/\bimport\(\s*"\.\/([\w.-]+\.js)"\s*\)/g)].map((match) => match[1]!);
}

/** index.js and every file reachable from it through `imports` (of a bundle file), sorted. */
function closure(imports: (file: string) => string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of imports(file)) visit(next);
  };
  visit('index.js');
  return [...seen].sort();
}

/** index.js and every chunk it can load, statically or by `import()`, transitively. */
export function reachableFiles(dir: string): string[] {
  return closure((file) => [...staticImportsOf(dir, file), ...dynamicImportsOf(dir, file)]);
}

/** index.js and every chunk it imports statically, transitively: what `node` parses at start. */
export function startupFiles(dir: string): string[] {
  return closure((file) => staticImportsOf(dir, file));
}

/** The text of `files` of the bundle in `dir`, joined. */
export function textOf(dir: string, files: string[]): string {
  return files.map((file) => readFileSync(join(dir, file), 'utf8')).join('\n');
}
