import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * Records, in order, each file of a bundle directory that a `node` process loads (the bundles are
 * ES modules: index.js, the chunks it imports statically, then each `import()`), and the first TCP
 * connect, as lines `load <file name>` and `connect` in `log`. `nodeOptions` is the flag to give
 * the process (NODE_OPTIONS or argv): `--import` of a module that registers a resolve hook
 * (node:module `register`, Node ≥ 20.6; the hook runs on its own thread, and the main thread
 * waits for its answer before it loads the file, so the order in the log is the load order).
 */
export function moduleLog(dir: string): { nodeOptions: string; log: string; read(): string[] } {
  const work = mkdtempSync(join(tmpdir(), 'ag-module-log-'));
  const log = join(work, 'events');
  writeFileSync(log, '');
  const hooks = join(work, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const dir = ${JSON.stringify(dir.endsWith('/') ? dir : `${dir}/`)};
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.startsWith('file:')) {
    const path = fileURLToPath(result.url);
    if (path.startsWith(dir)) appendFileSync(${JSON.stringify(log)}, 'load ' + path.slice(dir.length) + '\\n');
  }
  return result;
}
`,
  );
  const register = join(work, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';
import { appendFileSync } from 'node:fs';
import net from 'node:net';
register(${JSON.stringify(`file://${hooks}`)});
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  net.Socket.prototype.connect = connect;
  appendFileSync(${JSON.stringify(log)}, 'connect\\n');
  return connect.apply(this, args);
};
`,
  );
  return {
    nodeOptions: `--import ${register}`,
    log,
    read: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

/** The files of `lines` (from `moduleLog`) that were loaded, by name, in order, each once. */
export function loadedFiles(lines: string[]): string[] {
  return [
    ...new Set(
      lines.filter((line) => line.startsWith('load ')).map((line) => basename(line.slice(5))),
    ),
  ];
}
