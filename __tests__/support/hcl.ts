import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

/** One labelled block of a file: a resource/data block (`type` set) or a module/variable/output. */
export interface TfBlock {
  /** The .tf file's name within its directory. */
  file: string;
  /** Resource or data source type; '' for module/variable/output blocks. */
  type: string;
  name: string;
  body: Hcl;
}

function isRecord(value: unknown): value is Hcl {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every directory under `root` (itself included) that holds a .tf file, as absolute paths,
 * sorted. `.terraform` (downloaded modules and providers) is skipped.
 */
export function findTfDirs(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string): void => {
    const names = readdirSync(dir).sort();
    if (names.some((name) => name.endsWith('.tf') && statSync(path.join(dir, name)).isFile())) {
      found.push(dir);
    }
    for (const name of names) {
      const full = path.join(dir, name);
      if (name !== '.terraform' && statSync(full).isDirectory()) visit(full);
    }
  };
  visit(root);
  return found;
}

/** The parsed .tf files of one directory (not recursive), with lookups merged across files. */
export class TfDir {
  private constructor(
    readonly dir: string,
    readonly files: TfFile[],
  ) {}

  /** Parses every .tf file of `dir`; a file that is not valid HCL rejects, naming the file. */
  static async load(dir: string): Promise<TfDir> {
    const names = readdirSync(dir)
      .filter((name) => name.endsWith('.tf'))
      .sort();
    return TfDir.fromSources(
      dir,
      Object.fromEntries(names.map((name) => [name, readFileSync(path.join(dir, name), 'utf8')])),
    );
  }

  /** Parses in-memory files (name -> HCL text) as if they were the .tf files of `dir`. */
  static async fromSources(dir: string, sources: Record<string, string>): Promise<TfDir> {
    const files = await Promise.all(
      Object.entries(sources).map(async ([name, text]) => ({
        name,
        json: await parse(name, text),
      })),
    );
    return new TfDir(dir, files);
  }

  /**
   * Every block of `kind`, one entry per block and file (not merged): resource and data blocks
   * with their type, module/variable/output blocks with type ''. A body that is not hcl2json's
   * one-element array throws, naming the file and block.
   */
  each(kind: 'resource' | 'data' | 'module' | 'variable' | 'output'): TfBlock[] {
    const found: TfBlock[] = [];
    for (const file of this.files) {
      const section = asRecord(file.json[kind] ?? {}, `${file.name} ${kind}`);
      if (kind === 'resource' || kind === 'data') {
        for (const [type, byName] of Object.entries(section)) {
          for (const [name, body] of Object.entries(asRecord(byName, `${file.name} ${type}`))) {
            found.push({
              file: file.name,
              type,
              name,
              body: single(body, `${file.name} ${type}.${name}`),
            });
          }
        }
      } else {
        for (const [name, body] of Object.entries(section)) {
          found.push({
            file: file.name,
            type: '',
            name,
            body: single(body, `${file.name} ${kind} ${name}`),
          });
        }
      }
    }
    return found;
  }

  /**
   * `terraform { required_providers { … } }` merged across the directory's files: local name ->
   * the entry (`{ source, version }`, or a bare version string in the old syntax).
   */
  requiredProviders(): Hcl {
    const merged: Hcl = {};
    for (const file of this.files) {
      for (const terraform of (file.json.terraform as unknown[] | undefined) ?? []) {
        if (!isRecord(terraform)) continue;
        for (const providers of (terraform.required_providers as unknown[] | undefined) ?? []) {
          if (isRecord(providers)) Object.assign(merged, providers);
        }
      }
    }
    return merged;
  }

  /** `provider "<name>" { … }` blocks, one entry per block (aliases included). */
  providerBlocks(): TfBlock[] {
    const found: TfBlock[] = [];
    for (const file of this.files) {
      for (const [name, bodies] of Object.entries(asRecord(file.json.provider ?? {}, file.name))) {
        for (const body of Array.isArray(bodies) ? bodies : [bodies]) {
          found.push({
            file: file.name,
            type: '',
            name,
            body: asRecord(body, `${file.name} provider ${name}`),
          });
        }
      }
    }
    return found;
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

// ---------------------------------------------------------------------------------------------
// Generic checks over one directory. Each returns problems as "<file>: <block>: <what>" strings
// (empty when the directory passes), so a test can list every failure at once.

/** Variables without a non-empty description or without a type. */
export function variableProblems(dir: TfDir): string[] {
  return dir
    .each('variable')
    .flatMap(({ file, name, body }) => [
      ...(typeof body.description === 'string' && body.description.trim() !== ''
        ? []
        : [`${file}: variable "${name}" has no description`]),
      ...(typeof body.type === 'string' ? [] : [`${file}: variable "${name}" has no type`]),
    ]);
}

/** Outputs without a non-empty description. */
export function outputProblems(dir: TfDir): string[] {
  return dir
    .each('output')
    .filter(({ body }) => typeof body.description !== 'string' || body.description.trim() === '')
    .map(({ file, name }) => `${file}: output "${name}" has no description`);
}

const MODULE_META_ARGUMENTS = new Set([
  'source',
  'version',
  'providers',
  'count',
  'for_each',
  'depends_on',
]);

/**
 * Module calls whose source is not a local directory of .tf files, that pass an argument the
 * module does not declare as a variable, or that leave out a variable without a default: what
 * `terraform validate` would reject. `dirs` maps absolute directory paths to parsed
 * directories (every module the calls may point at). A registry or git source cannot be read
 * here and is reported as such (the check fails closed).
 */
export function moduleCallProblems(dir: TfDir, dirs: ReadonlyMap<string, TfDir>): string[] {
  const problems: string[] = [];
  for (const { file, name, body } of dir.each('module')) {
    const where = `${file}: module.${name}`;
    const source = body.source;
    if (typeof source !== 'string' || !/^\.\.?\//.test(source)) {
      problems.push(
        `${where}: source ${JSON.stringify(source)} is not a local path; cannot check it`,
      );
      continue;
    }
    const target = path.resolve(dir.dir, source);
    const module = dirs.get(target);
    if (module === undefined) {
      const what = !existsSync(target)
        ? 'does not exist'
        : readdirSync(target).some((n) => n.endsWith('.tf'))
          ? 'could not be parsed'
          : 'holds no .tf file';
      problems.push(`${where}: source "${source}" ${what}`);
      continue;
    }
    const variables = new Map(module.each('variable').map((v) => [v.name, v.body]));
    for (const argument of Object.keys(body).filter((key) => !MODULE_META_ARGUMENTS.has(key))) {
      if (!variables.has(argument)) {
        problems.push(`${where}: "${source}" declares no variable "${argument}"`);
      }
    }
    for (const [variable, declaration] of variables) {
      if (!('default' in declaration) && !(variable in body)) {
        problems.push(`${where}: required variable "${variable}" of "${source}" is not passed`);
      }
    }
  }
  return problems;
}

/** SSH and RDP: never reachable from the whole internet. */
export const ADMIN_PORTS = [22, 3389] as const;
const WORLD_CIDRS = ['0.0.0.0/0', '::/0'];

interface IngressRule {
  where: string;
  protocol: unknown;
  fromPort: unknown;
  toPort: unknown;
  cidrs: unknown[];
}

const isExpression = (value: unknown): boolean => typeof value === 'string' && value.includes('${');

/** 'world' when a CIDR value is 0.0.0.0/0 or ::/0, 'unknown' when it is computed, else 'none'. */
function worldReach(cidrs: unknown[]): 'world' | 'unknown' | 'none' {
  let unknown = false;
  for (const value of cidrs.flat()) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return 'unknown';
    // A literal world CIDR inside an expression (concat(["0.0.0.0/0"], …)) still opens it.
    if (
      WORLD_CIDRS.some(
        (cidr) => value === cidr || (isExpression(value) && value.includes(`"${cidr}"`)),
      )
    )
      return 'world';
    if (isExpression(value)) unknown = true;
  }
  return unknown ? 'unknown' : 'none';
}

function portNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

/**
 * The admin ports a rule's protocol and port range cover ([] when none), or undefined when
 * they are computed. Protocol -1 ("all") covers every port whatever from/to say; ICMP and
 * protocols other than TCP/UDP have no ports.
 */
function adminPortsCovered(rule: IngressRule): number[] | undefined {
  const protocol = typeof rule.protocol === 'number' ? String(rule.protocol) : rule.protocol;
  if (typeof protocol !== 'string' || isExpression(protocol)) return undefined;
  const name = protocol.toLowerCase();
  if (name === '-1' || name === 'all') return [...ADMIN_PORTS];
  if (!['tcp', 'udp', '6', '17'].includes(name)) return [];
  const from = portNumber(rule.fromPort);
  const to = portNumber(rule.toPort);
  if (from === undefined || to === undefined) return undefined;
  return ADMIN_PORTS.filter((port) => from <= port && port <= to);
}

function ingressRules(dir: TfDir): IngressRule[] {
  const rules: IngressRule[] = [];
  for (const { file, type, name, body } of dir.each('resource')) {
    const where = `${file}: ${type}.${name}`;
    if (type === 'aws_security_group' || type === 'aws_default_security_group') {
      const dynamic = isRecord(body.dynamic) ? body.dynamic.ingress : undefined;
      const blocks = [
        ...((body.ingress as unknown[] | undefined) ?? []),
        ...((dynamic as unknown[] | undefined) ?? []).flatMap((d) =>
          isRecord(d) ? ((d.content as unknown[] | undefined) ?? []) : [],
        ),
      ];
      blocks.forEach((block, i) => {
        if (!isRecord(block)) return;
        rules.push({
          where: `${where} ingress[${i}]`,
          protocol: block.protocol,
          fromPort: block.from_port,
          toPort: block.to_port,
          cidrs: [block.cidr_blocks, block.ipv6_cidr_blocks],
        });
      });
    } else if (type === 'aws_security_group_rule') {
      // An egress rule cannot open a port; a computed type might be ingress.
      if (body.type === 'egress') continue;
      rules.push({
        where,
        protocol: body.protocol,
        fromPort: body.from_port,
        toPort: body.to_port,
        cidrs: [body.cidr_blocks, body.ipv6_cidr_blocks],
      });
    } else if (type === 'aws_vpc_security_group_ingress_rule') {
      rules.push({
        where,
        protocol: body.ip_protocol,
        fromPort: body.from_port,
        toPort: body.to_port,
        cidrs: [body.cidr_ipv4, body.cidr_ipv6],
      });
    }
  }
  return rules;
}

/**
 * Security group ingress (aws_security_group / aws_default_security_group ingress blocks,
 * dynamic ones included; aws_security_group_rule of type ingress;
 * aws_vpc_security_group_ingress_rule) that opens 22 or 3389 to 0.0.0.0/0 or ::/0. A rule
 * whose CIDRs or ports are computed, so the check cannot decide, is reported as undecidable
 * rather than passed.
 */
export function openAdminPortProblems(dir: TfDir): string[] {
  const problems: string[] = [];
  for (const rule of ingressRules(dir)) {
    const reach = worldReach(rule.cidrs);
    if (reach === 'none') continue;
    const ports = adminPortsCovered(rule);
    if (ports !== undefined && ports.length === 0) continue;
    if (reach === 'world' && ports !== undefined) {
      problems.push(
        `${rule.where}: opens port ${ports.join(' and ')} to ${WORLD_CIDRS.join(' or ')}`,
      );
    } else {
      const computed = [
        ...(reach === 'unknown' ? ['CIDR'] : []),
        ...(ports === undefined ? ['protocol/port range'] : []),
      ].join(' and ');
      problems.push(
        `${rule.where}: cannot decide whether it opens ${ADMIN_PORTS.join('/')} to the internet ` +
          `(${computed} computed): write the ports as literals, or use a referenced security group`,
      );
    }
  }
  return problems;
}

const PUBLIC_ACCESS_FLAGS = [
  'block_public_acls',
  'block_public_policy',
  'ignore_public_acls',
  'restrict_public_buckets',
];

/**
 * Whether `value` (a `bucket` argument) refers to aws_s3_bucket.<name> by its id or bucket
 * attribute (count/for_each index allowed), e.g. "${aws_s3_bucket.report.id}".
 */
function refersToBucket(value: unknown, name: string): boolean {
  if (typeof value !== 'string') return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `(?<![\\w.])aws_s3_bucket\\.${escaped}(?:\\[[^\\]]*\\])?\\.(?:id|bucket)\\b`,
  ).test(value);
}

/**
 * aws_s3_bucket resources that lack, in the same directory, an aws_s3_bucket_public_access_block
 * with all four flags the literal true, an aws_s3_bucket_server_side_encryption_configuration, or
 * an aws_s3_bucket_lifecycle_configuration whose `bucket` refers to that bucket.
 */
export function s3BucketProblems(dir: TfDir): string[] {
  const resources = dir.each('resource');
  const problems: string[] = [];
  for (const bucket of resources.filter((r) => r.type === 'aws_s3_bucket')) {
    const where = `${bucket.file}: aws_s3_bucket.${bucket.name}`;
    const attached = (type: string): TfBlock[] =>
      resources.filter((r) => r.type === type && refersToBucket(r.body.bucket, bucket.name));

    const blocks = attached('aws_s3_bucket_public_access_block');
    if (blocks.length === 0) {
      problems.push(`${where}: no aws_s3_bucket_public_access_block refers to it`);
    }
    for (const block of blocks) {
      const off = PUBLIC_ACCESS_FLAGS.filter((flag) => block.body[flag] !== true);
      if (off.length > 0) {
        problems.push(
          `${block.file}: aws_s3_bucket_public_access_block.${block.name}: ${off.join(', ')} not the literal true`,
        );
      }
    }
    if (attached('aws_s3_bucket_server_side_encryption_configuration').length === 0) {
      problems.push(`${where}: no aws_s3_bucket_server_side_encryption_configuration refers to it`);
    }
    if (attached('aws_s3_bucket_lifecycle_configuration').length === 0) {
      problems.push(`${where}: no aws_s3_bucket_lifecycle_configuration refers to it`);
    }
  }
  return problems;
}
