import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from '@cdktf/hcl2json';

// There is no terraform binary here: hcl2json gives the parsed HCL as JSON, with blocks as
// arrays and expressions kept as "${...}" strings.

export type Hcl = Record<string, unknown>;

export interface TfFile {
  name: string;
  json: Hcl;
}

export function asRecord(value: unknown, what: string): Hcl {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what}: expected an object, got ${JSON.stringify(value)}`);
  }
  return value as Hcl;
}

/** hcl2json wraps every block body in a one-element array. */
export function single(value: unknown, what: string): Hcl {
  if (!Array.isArray(value) || value.length !== 1) {
    throw new Error(`${what}: expected exactly one block, got ${JSON.stringify(value)}`);
  }
  return asRecord(value[0], what);
}

/** The parsed .tf files of one directory (not recursive), with lookups merged across files. */
export class TfDir {
  private constructor(
    readonly dir: string,
    readonly files: TfFile[],
  ) {}

  static async load(dir: string): Promise<TfDir> {
    const names = readdirSync(dir)
      .filter((name) => name.endsWith('.tf'))
      .sort();
    const files = await Promise.all(
      names.map(async (name) => ({
        name,
        json: await parse(name, readFileSync(path.join(dir, name), 'utf8')),
      })),
    );
    return new TfDir(dir, files);
  }

  /**
   * Every block of `kind` (resource/data/module/variable/output), merged across files. Resources
   * and data sources are keyed by type, then name: two files may declare the same type.
   */
  blocks(kind: string): Hcl {
    const merged: Hcl = {};
    const byType = kind === 'resource' || kind === 'data';
    for (const file of this.files) {
      for (const [key, value] of Object.entries(asRecord(file.json[kind] ?? {}, file.name))) {
        merged[key] =
          byType && key in merged
            ? { ...asRecord(merged[key], key), ...asRecord(value, key) }
            : value;
      }
    }
    return merged;
  }

  resource(type: string, name: string): Hcl {
    const byType = asRecord(this.blocks('resource')[type], `resource ${type}`);
    return single(byType[name], `${type}.${name}`);
  }

  data(type: string, name: string): Hcl {
    const byType = asRecord(this.blocks('data')[type], `data ${type}`);
    return single(byType[name], `data.${type}.${name}`);
  }

  module(name: string): Hcl {
    return single(this.blocks('module')[name], `module.${name}`);
  }

  variable(name: string): Hcl {
    return single(this.blocks('variable')[name], `variable ${name}`);
  }

  output(name: string): Hcl {
    return single(this.blocks('output')[name], `output ${name}`);
  }

  locals(): Hcl {
    const merged: Hcl = {};
    for (const file of this.files) {
      const list = file.json.locals;
      if (Array.isArray(list))
        for (const block of list) Object.assign(merged, asRecord(block, 'locals'));
    }
    return merged;
  }
}
