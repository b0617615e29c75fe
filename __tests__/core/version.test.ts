import { readFileSync } from 'node:fs';
import path from 'node:path';

import { VERSION } from '../../actions/src/core/version';

describe('VERSION', () => {
  it("is package.json's version (bump both together)", () => {
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });
});
