import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import validatePolicy from '../../actions/src/core/validators/policy';

const root = join(__dirname, '../..');
const dir = join(root, 'actions/src/core/validators');

// The bundles check files with ajv validators compiled at build time (scripts/validators.ts);
// a schema edited without regenerating them would be checked by the old one.
describe('generated validators (actions/src/core/validators)', () => {
  it('match a fresh compile of every schema: run `npx tsx scripts/validators.ts` when this fails', () => {
    // The generator formats with prettier, which loads by dynamic import (out of Jest's reach):
    // it runs as a process, as build.mjs runs it.
    const fresh = JSON.parse(
      execFileSync(join(root, 'node_modules/.bin/tsx'), ['scripts/validators.ts', '--print'], {
        cwd: root,
        encoding: 'utf8',
      }),
    ) as Record<string, string>;
    expect(readdirSync(dir).sort()).toEqual(Object.keys(fresh).sort());
    for (const [file, text] of Object.entries(fresh)) {
      expect({ file, text: readFileSync(join(dir, file), 'utf8') }).toEqual({ file, text });
    }
  });

  it('report errors as ajv does at run time (all of them, with instance paths and params)', () => {
    expect(validatePolicy({ version: 2, surplus: true })).toBe(false);
    expect(validatePolicy.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ keyword: 'const', instancePath: '/version' }),
        expect.objectContaining({
          keyword: 'additionalProperties',
          params: { additionalProperty: 'surplus' },
        }),
      ]),
    );
    expect(validatePolicy({ version: 1 })).toBe(true);
  });
});
