import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { TfDir } from './hcl';

// No terraform binary (and no provider download) is available to the tests, so the Terraform
// provider schemas come from the prebuilt CDK Terrain provider packages (@cdktn/provider-*): each
// ships a jsii assembly (`.jsii`, plain JSON) generated from the provider's own schema, pinned to
// one provider release (package.json `cdktn.provider.version`). The assembly is read as data; the
// package's JavaScript is never loaded.
//
// In the assembly every resource is a class whose base is cdktn.TerraformResource (data sources:
// cdktn.TerraformDataSource); its initializer takes a `config` struct. A struct property's docs
// link to the registry with the Terraform name as the anchor ("…/docs/resources/s3_bucket#bucket_prefix
// S3Bucket#bucket_prefix"): the anchor, not the camelCase property name, is what the HCL uses (cdktn
// renames `self` to selfAttribute, `equals` to equalTo, `get_password_data` to fetchPasswordData).
// A property whose type is another struct of the assembly is a nested block (or a nested
// attribute object, written the same way in hcl2json's output).

/** Bump when the index layout or the way it is built changes: old cache files are then ignored. */
const INDEX_FORMAT = 1;

const REGISTRY_ANCHOR = /registry\.terraform\.io\/providers\/\S+#(\w+)\s/;
const CLASS_LINK =
  /\{@link https:\/\/registry\.terraform\.io\/providers\/\S+\/docs\/(?:resources|data-sources)\/\w+ (\w+)\}/;

/** One struct of the index: Terraform attribute names, and nested block name -> struct id. */
interface StructEntry {
  a: string[];
  b: Record<string, string>;
}

/** The cached form of one provider package's schema (JSON, a few MB for AWS). */
interface SchemaIndex {
  format: number;
  packageName: string;
  packageVersion: string;
  /** e.g. hashicorp/aws */
  source: string;
  /** The provider release the package was generated from, e.g. 6.66.0. */
  providerVersion: string;
  /** Struct id of the provider block's configuration, when the assembly has one. */
  provider: string | undefined;
  resources: Record<string, string>;
  dataSources: Record<string, string>;
  structs: Record<string, StructEntry>;
}

/** The names a block body may use: attributes, and nested blocks with their own schema. */
export interface BlockSchema {
  readonly attributes: ReadonlySet<string>;
  /** Nested block names (blocks and nested-attribute objects). */
  readonly blockNames: readonly string[];
  block(name: string): BlockSchema | undefined;
}

interface JsiiTypeRef {
  fqn?: string;
  primitive?: string;
  collection?: { kind: 'array' | 'map'; elementtype: JsiiTypeRef };
  union?: { types: JsiiTypeRef[] };
}

interface JsiiProperty {
  name: string;
  static?: boolean;
  docs?: { summary?: string; remarks?: string };
  type: JsiiTypeRef;
}

interface JsiiType {
  fqn: string;
  kind: string;
  base?: string;
  datatype?: boolean;
  docs?: { summary?: string };
  initializer?: { parameters?: { name: string; type: JsiiTypeRef }[] };
  properties?: JsiiProperty[];
}

/**
 * The struct a property's type refers to (directly, as a list/set element or in a union with
 * IResolvable), or undefined for scalars, string lists, maps and maps of structs (a map's keys
 * are the user's, not schema names).
 */
function structOf(ref: JsiiTypeRef, types: Record<string, JsiiType>): string | undefined {
  if (ref.fqn !== undefined) return types[ref.fqn]?.datatype === true ? ref.fqn : undefined;
  if (ref.collection !== undefined) {
    return ref.collection.kind === 'array'
      ? structOf(ref.collection.elementtype, types)
      : undefined;
  }
  for (const member of ref.union?.types ?? []) {
    const found = structOf(member, types);
    if (found !== undefined) return found;
  }
  return undefined;
}

function terraformName(property: JsiiProperty): string {
  const docs = `${property.docs?.summary ?? ''} ${property.docs?.remarks ?? ''} `;
  const anchor = REGISTRY_ANCHOR.exec(docs)?.[1];
  // Only a few provider-block properties (alias, access_key…) carry no registry link; their
  // Terraform name is the camelCase name in snake_case.
  return anchor ?? property.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function configStruct(cls: JsiiType): string | undefined {
  return cls.initializer?.parameters?.find((p) => p.name === 'config')?.type.fqn;
}

/** Builds the index from a parsed jsii assembly. Throws when the assembly has no resources. */
function buildIndex(
  assembly: { types: Record<string, JsiiType> },
  packageName: string,
  packageVersion: string,
  source: string,
  providerVersion: string,
): SchemaIndex {
  const types = assembly.types;
  const structs: Record<string, StructEntry> = {};
  const addStruct = (fqn: string): string => {
    if (fqn in structs) return fqn;
    const entry: StructEntry = { a: [], b: {} };
    structs[fqn] = entry; // before recursing: a struct may (in principle) refer to itself
    for (const property of types[fqn]?.properties ?? []) {
      const name = terraformName(property);
      const nested = structOf(property.type, types);
      if (nested === undefined) entry.a.push(name);
      else entry.b[name] = addStruct(nested);
    }
    return fqn;
  };

  const resources: Record<string, string> = {};
  const dataSources: Record<string, string> = {};
  let provider: string | undefined;
  for (const type of Object.values(types)) {
    if (type.kind !== 'class') continue;
    const config = configStruct(type);
    if (type.base === 'cdktn.TerraformProvider' && config !== undefined) {
      provider = addStruct(config);
      continue;
    }
    const table =
      type.base === 'cdktn.TerraformResource'
        ? resources
        : type.base === 'cdktn.TerraformDataSource'
          ? dataSources
          : undefined;
    if (table === undefined) continue;
    const tfType = CLASS_LINK.exec(type.docs?.summary ?? '')?.[1];
    if (tfType === undefined || config === undefined) {
      throw new Error(
        `${packageName}@${packageVersion}: ${type.fqn} has no registry link or config struct; ` +
          'the .jsii layout changed, update __tests__/support/provider-schema.ts',
      );
    }
    table[tfType] = addStruct(config);
  }
  if (Object.keys(resources).length === 0) {
    throw new Error(`${packageName}@${packageVersion}: the .jsii assembly declares no resources`);
  }
  return {
    format: INDEX_FORMAT,
    packageName,
    packageVersion,
    source,
    providerVersion,
    provider,
    resources,
    dataSources,
    structs,
  };
}

class StructView implements BlockSchema {
  readonly attributes: ReadonlySet<string>;
  readonly blockNames: readonly string[];

  constructor(
    private readonly index: SchemaIndex,
    private readonly id: string,
  ) {
    const entry = index.structs[id];
    if (entry === undefined) throw new Error(`schema index: no struct ${id}`);
    this.attributes = new Set(entry.a);
    this.blockNames = Object.keys(entry.b).sort();
  }

  block(name: string): BlockSchema | undefined {
    const nested = this.index.structs[this.id]?.b[name];
    return nested === undefined ? undefined : new StructView(this.index, nested);
  }
}

/** One provider's schema, as published in a @cdktn/provider-* package. */
export class ProviderSchema {
  private constructor(
    private readonly index: SchemaIndex,
    /** How the index was obtained: 'cache' or 'built', and how long that took (ms). */
    readonly loaded: { from: 'cache' | 'built'; ms: number },
  ) {}

  get packageName(): string {
    return this.index.packageName;
  }
  get packageVersion(): string {
    return this.index.packageVersion;
  }
  /** Registry source address, e.g. hashicorp/aws. */
  get source(): string {
    return this.index.source;
  }
  /** Provider release the package was generated from, e.g. 6.66.0. */
  get providerVersion(): string {
    return this.index.providerVersion;
  }
  get resourceTypes(): string[] {
    return Object.keys(this.index.resources);
  }
  get dataSourceTypes(): string[] {
    return Object.keys(this.index.dataSources);
  }

  /** The schema of resource `type` (e.g. aws_s3_bucket), or undefined when the provider has none. */
  resource(type: string): BlockSchema | undefined {
    const id = this.index.resources[type];
    return id === undefined ? undefined : new StructView(this.index, id);
  }

  /** The schema of data source `type`, or undefined when the provider has none. */
  dataSource(type: string): BlockSchema | undefined {
    const id = this.index.dataSources[type];
    return id === undefined ? undefined : new StructView(this.index, id);
  }

  /** The schema of the `provider "<name>"` block, or undefined when the assembly has none. */
  providerBlock(): BlockSchema | undefined {
    return this.index.provider === undefined
      ? undefined
      : new StructView(this.index, this.index.provider);
  }

  /**
   * Loads the schema of an installed @cdktn/provider-* package. The index is built from the
   * package's `.jsii` (153 MB for AWS, ~1.5 s to parse) once per package version and kept under
   * node_modules/.cache/assetguard-provider-schema/; later loads read the small index.
   *
   * Throws (naming the package) when it is not installed, has no `cdktn.provider` entry in its
   * package.json, or its assembly has an unexpected layout.
   */
  static load(packageName: string): ProviderSchema {
    const started = performance.now();
    let manifestPath: string;
    try {
      manifestPath = require.resolve(`${packageName}/package.json`);
    } catch {
      throw new Error(`${packageName} is not installed: run npm ci`);
    }
    const packageDir = path.dirname(manifestPath);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      version?: string;
      cdktn?: { provider?: { name?: string; version?: string } };
    };
    const provider = manifest.cdktn?.provider;
    if (
      typeof manifest.version !== 'string' ||
      typeof provider?.name !== 'string' ||
      typeof provider.version !== 'string'
    ) {
      throw new Error(`${manifestPath}: no version or cdktn.provider {name, version} entry`);
    }
    // registry.terraform.io/hashicorp/aws -> hashicorp/aws, the form required_providers uses.
    const source = provider.name.replace(/^registry\.terraform\.io\//, '');
    const assemblyPath = path.join(packageDir, '.jsii');
    let nodeModules = packageDir;
    while (
      path.basename(nodeModules) !== 'node_modules' &&
      path.dirname(nodeModules) !== nodeModules
    ) {
      nodeModules = path.dirname(nodeModules);
    }
    const cacheDir = path.join(nodeModules, '.cache', 'assetguard-provider-schema');
    // The assembly's size is in the key too, so a package patched in place is not read stale.
    const cacheFile = path.join(
      cacheDir,
      `${packageName.replace(/[@/]/g, '_')}-${manifest.version}-${statSync(assemblyPath).size}-v${INDEX_FORMAT}.json`,
    );

    if (existsSync(cacheFile)) {
      const index = JSON.parse(readFileSync(cacheFile, 'utf8')) as SchemaIndex;
      if (index.format === INDEX_FORMAT && index.packageVersion === manifest.version) {
        return new ProviderSchema(index, { from: 'cache', ms: performance.now() - started });
      }
    }
    const assembly = JSON.parse(readFileSync(assemblyPath, 'utf8')) as {
      types: Record<string, JsiiType>;
    };
    const index = buildIndex(assembly, packageName, manifest.version, source, provider.version);
    mkdirSync(cacheDir, { recursive: true });
    // Jest runs test files in parallel workers: write then rename, so no reader sees half a file.
    const partial = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(index));
    renameSync(partial, cacheFile);
    return new ProviderSchema(index, { from: 'built', ms: performance.now() - started });
  }
}

/** Meta-arguments Terraform accepts in every resource block, whatever the provider. */
export const RESOURCE_META_ARGUMENTS: ReadonlySet<string> = new Set([
  'count',
  'for_each',
  'depends_on',
  'provider',
  'lifecycle',
  'provisioner',
  'connection',
]);

/** Meta-arguments Terraform accepts in every data block. */
export const DATA_META_ARGUMENTS: ReadonlySet<string> = new Set([
  'count',
  'for_each',
  'depends_on',
  'provider',
  'lifecycle',
]);

/** Meta-arguments of a provider block. */
export const PROVIDER_META_ARGUMENTS: ReadonlySet<string> = new Set(['alias', 'version']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Names in one block body (hcl2json form: nested blocks are arrays of objects, `dynamic "x"`
 * is `dynamic: { x: [{ for_each, iterator, content: [{…}] }] }`) that the schema does not
 * declare, as "<where>.<path>: …" strings. Meta-arguments in `meta` are accepted at the top
 * level only; `dynamic` is accepted at every level and its label is checked as a block name.
 * Values are not checked: they are expressions terraform evaluates at plan time.
 */
export function unknownNames(
  schema: BlockSchema,
  body: Record<string, unknown>,
  meta: ReadonlySet<string>,
  where: string,
): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (meta.has(key)) continue;
    if (key === 'dynamic' && isObject(value)) {
      for (const [label, entries] of Object.entries(value)) {
        const nested = schema.block(label);
        if (nested === undefined) {
          problems.push(`${where}: dynamic "${label}": no block "${label}" here`);
          continue;
        }
        for (const entry of Array.isArray(entries) ? entries : [entries]) {
          const content = isObject(entry) ? entry.content : undefined;
          for (const body of Array.isArray(content) ? content : [content]) {
            if (isObject(body)) {
              problems.push(...unknownNames(nested, body, new Set(), `${where}.${label}`));
            }
          }
        }
      }
      continue;
    }
    if (schema.attributes.has(key)) continue;
    const nested = schema.block(key);
    if (nested === undefined) {
      problems.push(`${where}: unknown argument or block "${key}"`);
      continue;
    }
    // A string value is an expression (`x = local.y`), left for terraform to type-check.
    for (const body of Array.isArray(value) ? value : [value]) {
      if (isObject(body))
        problems.push(...unknownNames(nested, body, new Set(), `${where}.${key}`));
    }
  }
  return problems;
}

type Comparator = { op: string; parts: number[] };

function parseVersion(text: string, what: string): number[] {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  if (match === null) throw new Error(`${what}: "${text}" is not a version (X[.Y[.Z]])`);
  // Unmatched optional groups are undefined at run time, whatever the typings say.
  return (match.slice(1) as (string | undefined)[]).flatMap((part) =>
    part === undefined ? [] : [Number(part)],
  );
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i += 1) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Whether `version` (X.Y.Z) satisfies a Terraform version constraint such as "~> 6.66",
 * ">= 5.0, < 7.0" or "= 2.8.1". `~>` lets only the right-most given part grow: "~> 6.66" is
 * >= 6.66.0 and < 7.0.0, "~> 6.66.0" is >= 6.66.0 and < 6.67.0, "~> 6" is >= 6.0.0 and < 7.0.0.
 * Throws on a constraint it cannot read (pre-release versions included), naming `what`.
 */
export function satisfiesConstraint(version: string, constraint: string, what: string): boolean {
  const v = parseVersion(version, `${what} version`);
  const comparators: Comparator[] = constraint.split(',').map((part) => {
    const match = /^\s*(~>|>=|<=|!=|=|>|<)?\s*(\S+)\s*$/.exec(part);
    if (match === null) throw new Error(`${what}: cannot read constraint "${constraint}"`);
    return { op: match[1] ?? '=', parts: parseVersion(match[2] ?? '', `${what} constraint`) };
  });
  return comparators.every(({ op, parts }) => {
    const diff = compare(v, parts);
    switch (op) {
      case '=':
        return diff === 0;
      case '!=':
        return diff !== 0;
      case '>':
        return diff > 0;
      case '>=':
        return diff >= 0;
      case '<':
        return diff < 0;
      case '<=':
        return diff <= 0;
      default: {
        // ~>: at least the given version, and every given part but the last unchanged (with a
        // single part, that part itself is the one kept).
        const kept = Math.max(parts.length - 1, 1);
        return diff >= 0 && parts.slice(0, kept).every((part, i) => v[i] === part);
      }
    }
  });
}

/** What checking one directory against the provider schemas found. */
export interface SchemaCheck {
  /** "<file>: <resource|data>.<type>.<name>[.<block>…]: …" for every unknown type or name. */
  problems: string[];
  /** How many resource/data/provider blocks were checked against a schema. */
  checked: number;
  /** "<file>: <resource|data>.<type>.<name>" for blocks of providers with no schema package. */
  notChecked: string[];
}

/**
 * The provider local name Terraform infers for a resource type when no `provider` argument says
 * otherwise: the type's first word (aws_s3_bucket -> aws, terraform_data -> terraform).
 */
export function providerOf(type: string): string {
  return type.split('_')[0] ?? type;
}

/**
 * Checks every resource, data and provider block of `dir` whose provider (by local name, see
 * providerOf) has a schema in `schemas`: the type exists and every argument and nested block
 * name (dynamic labels included) is declared by the provider. Blocks of other providers are
 * listed in notChecked.
 */
export function schemaCheck(dir: TfDir, schemas: ReadonlyMap<string, ProviderSchema>): SchemaCheck {
  const result: SchemaCheck = { problems: [], checked: 0, notChecked: [] };
  for (const kind of ['resource', 'data'] as const) {
    for (const { file, type, name, body } of dir.each(kind)) {
      const where = `${file}: ${kind === 'data' ? 'data.' : ''}${type}.${name}`;
      const schema = schemas.get(providerOf(type));
      if (schema === undefined) {
        result.notChecked.push(where);
        continue;
      }
      result.checked += 1;
      const block = kind === 'resource' ? schema.resource(type) : schema.dataSource(type);
      if (block === undefined) {
        result.problems.push(
          `${where}: ${schema.source} ${schema.providerVersion} has no ${kind === 'data' ? 'data source' : 'resource type'} "${type}"`,
        );
        continue;
      }
      const meta = kind === 'resource' ? RESOURCE_META_ARGUMENTS : DATA_META_ARGUMENTS;
      result.problems.push(...unknownNames(block, body, meta, where));
    }
  }
  for (const { file, name, body } of dir.providerBlocks()) {
    const block = schemas.get(name)?.providerBlock();
    if (block === undefined) continue;
    result.checked += 1;
    result.problems.push(
      ...unknownNames(block, body, PROVIDER_META_ARGUMENTS, `${file}: provider "${name}"`),
    );
  }
  return result;
}
