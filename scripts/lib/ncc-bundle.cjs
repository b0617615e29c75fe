'use strict';
// One ncc build, as `ncc build ENTRY -o OUT --stats-out STATS --quiet --target es2022` does, plus
// `externals` given as a mapping, which ncc takes only through its API (its CLI's --external
// keeps a module's own name). scripts/build.mjs runs one of these per bundle, two at a time.
//
// Usage: node scripts/lib/ncc-bundle.cjs ENTRY OUT STATS EXTERNALS_JSON
//   EXTERNALS_JSON: {"request as written in the importing module": "what the bundle requires instead"}
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const ncc = require('@vercel/ncc');

const [entry, out, statsFile, externals] = process.argv.slice(2);

ncc(entry, { externals: JSON.parse(externals), quiet: true, target: 'es2022' }).then(
  ({ code, assets, stats }) => {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'index.js'), code);
    for (const [name, asset] of Object.entries(assets)) {
      mkdirSync(dirname(join(out, name)), { recursive: true });
      writeFileSync(join(out, name), asset.source, { mode: asset.permissions });
    }
    writeFileSync(statsFile, JSON.stringify(stats.toJson()));
  },
  (error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
