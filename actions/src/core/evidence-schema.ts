/**
 * The JSON Schemas (draft-07) of evidence.json (core/evidence), in a module of their own with no
 * runtime imports but core/model's severities: scripts/validators.ts compiles EVIDENCE_SCHEMA to
 * standalone code at build time (core/validators/evidence.js), and replay and pr-summary compose
 * their own checks from the parts.
 */
import { SEVERITIES } from './model';

export const EVIDENCE_FORMAT = 'assetguard-evidence/1';

/** Helpers for the shapes evidence holds. */
const STRING = { type: 'string' } as const;
const STRINGS = { type: 'array', items: STRING } as const;
const STRING_MAP = { type: 'object', additionalProperties: STRING } as const;
const SEVERITY = { enum: [...SEVERITIES] } as const;

/** Per-severity counts as verdicts and ECR scans record them. */
export const SEVERITY_COUNTS_SCHEMA = {
  type: 'object',
  required: [...SEVERITIES, 'total'],
  properties: Object.fromEntries(
    [...SEVERITIES, 'total'].map((key) => [key, { type: 'integer', minimum: 0 }]),
  ),
} as const;

/** A `Finding` (core/model) as a bundle records it: what the evaluators read, typed. */
const FINDING_SCHEMA = {
  type: 'object',
  required: ['id', 'source', 'severity', 'status', 'title', 'resource', 'packages', 'fixAvailable'],
  properties: {
    id: STRING,
    aliases: STRINGS,
    sourceId: STRING,
    source: { enum: ['inspector2', 'config', 'securityhub', 'fleet'] },
    severity: SEVERITY,
    status: { enum: ['ACTIVE', 'SUPPRESSED', 'CLOSED'] },
    title: STRING,
    description: STRING,
    resource: {
      type: 'object',
      required: ['id', 'type'],
      properties: {
        id: STRING,
        type: STRING,
        region: STRING,
        accountId: STRING,
        repository: STRING,
        imageDigest: STRING,
        tags: STRING_MAP,
      },
    },
    packages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: STRING,
          installedVersion: STRING,
          fixedVersion: STRING,
          manager: STRING,
          filePath: STRING,
        },
      },
    },
    fixAvailable: { enum: ['yes', 'no', 'partial'] },
    exploitAvailable: { type: 'boolean' },
    epss: { type: 'number' },
    score: { type: 'number' },
    url: STRING,
    firstSeen: STRING,
    lastSeen: STRING,
    rule: {
      type: 'object',
      required: ['name'],
      properties: { name: STRING, annotation: STRING },
    },
    remediation: { type: 'object', properties: { document: STRING, why: STRING } },
  },
} as const;

/**
 * verdict.json (DESIGN.md "verdict.json"), as every command writes it and as the evidence bundle
 * embeds it: the shared fields only. Readers that show entries (pr-summary) narrow `blocking`
 * and `excepted` further.
 */
export const VERDICT_SCHEMA = {
  type: 'object',
  required: [
    'verdict',
    'command',
    'subject',
    'evaluatedAt',
    'policy',
    'counts',
    'blocking',
    'excepted',
    'exceptions',
    'warnings',
  ],
  properties: {
    verdict: { enum: ['pass', 'block', 'error'] },
    command: STRING,
    subject: { type: 'object' },
    evaluatedAt: { type: 'string', format: 'date-time' },
    policy: {
      type: 'object',
      required: ['origin', 'sha256'],
      properties: { origin: STRING, sha256: STRING },
    },
    counts: { type: 'object' },
    blocking: { type: 'array', items: { type: 'object' } },
    excepted: { type: 'array', items: { type: 'object' } },
    exceptions: { type: 'object' },
    warnings: STRINGS,
    error: STRING,
  },
} as const;

/**
 * What every bundle has, whatever its command: the fields `replay` reads before it hands the
 * bundle to the command's evaluator. Extra fields are allowed (a newer writer may add some).
 */
export const EVIDENCE_SCHEMA = {
  type: 'object',
  required: [
    'format',
    'assetguardVersion',
    'command',
    'inputs',
    'context',
    'policy',
    'findings',
    'verdict',
  ],
  properties: {
    format: { const: EVIDENCE_FORMAT },
    assetguardVersion: STRING,
    command: STRING,
    inputs: { type: 'object' },
    context: { type: 'object' },
    policy: {
      type: 'object',
      required: ['origin', 'sha256', 'text'],
      properties: { origin: STRING, sha256: STRING, text: STRING },
    },
    findings: { type: 'array', items: FINDING_SCHEMA },
    verdict: VERDICT_SCHEMA,
  },
} as const;
