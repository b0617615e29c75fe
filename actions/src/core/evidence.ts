import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { VERSION as version } from './version';
import { ConfigurationError, errorMessage } from './errors';
import type { Finding } from './model';
import { EVIDENCE_FORMAT } from './evidence-schema';
import type { LoadedPolicy } from './policy';
import { NOT_LOADED_POLICY_ORIGIN } from './policy-origin';
import { jsonChunks } from './report-files';
import type { AnyVerdict } from './verdict';

export const EVIDENCE_FILE = 'evidence.json';
export {
  EVIDENCE_FORMAT,
  EVIDENCE_SCHEMA,
  SEVERITY_COUNTS_SCHEMA,
  VERDICT_SCHEMA,
} from './evidence-schema';

/**
 * Everything a verdict was decided from: the inputs, the exact policy text, the normalized
 * findings, the other source facts and the verdict. `assetguard replay` re-evaluates it offline.
 * `N` is the command (`scan-gate`, `tags audit`), `V` its verdict, `X` its source facts.
 */
export interface Evidence<N extends string = string, V = AnyVerdict, X = unknown> {
  format: typeof EVIDENCE_FORMAT;
  assetguardVersion: string;
  command: N;
  /** The inputs as the command read them (by input name), or as given when they did not parse. */
  inputs: Record<string, unknown>;
  /** Source facts that are not findings (scan status, API call counts, the tag inventory). */
  context: X;
  policy: { origin: string; sha256: string; text: string };
  findings: Finding[];
  verdict: V;
}

/** Assembles an evidence bundle; a policy that was never loaded is recorded as NOT_LOADED_POLICY_ORIGIN. */
export function buildEvidence<N extends string, V, X>(parts: {
  command: N;
  inputs: Record<string, unknown>;
  context: X;
  policy: LoadedPolicy | undefined;
  findings: Finding[];
  verdict: V;
}): Evidence<N, V, X> {
  return {
    format: EVIDENCE_FORMAT,
    assetguardVersion: version,
    command: parts.command,
    inputs: parts.inputs,
    context: parts.context,
    policy: parts.policy
      ? { origin: parts.policy.origin, sha256: parts.policy.sha256, text: parts.policy.text }
      : { origin: NOT_LOADED_POLICY_ORIGIN, sha256: '', text: '' },
    findings: parts.findings,
    verdict: parts.verdict,
  };
}

/**
 * evidence.json's text in chunks, for core/report-files `writeReportFiles`: compact JSON, byte
 * for byte `JSON.stringify` of the bundle (it is read by `replay` and pr-summary, not by people),
 * with the findings and the verdict's blocking and excepted entries given a few per chunk, so
 * that a bundle of 100,000 findings is written without ever being one string (or a UTF-8 buffer
 * of it). `readEvidence` reads it back and checks it like any bundle (an older, indented bundle
 * reads the same).
 */
export function evidenceChunks(evidence: Evidence<string, unknown>): Iterable<string> {
  return jsonChunks(evidence, { spread: ['findings', 'verdict.blocking', 'verdict.excepted'] });
}

/** One schema error in the bundle's words: the field as a dotted path, and what is wrong with it. */
function describeProblem(error: ErrorObject, root: string): string {
  const path = [
    root,
    ...error.instancePath
      .split('/')
      .slice(1)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~')),
  ]
    .filter((part) => part !== '')
    .join('.');
  const params = error.params as Record<string, unknown>;
  const got = error.data === undefined ? '' : `, got ${JSON.stringify(error.data).slice(0, 80)}`;
  switch (error.keyword) {
    case 'required':
      return `${path ? `${path}.` : ''}${String(params.missingProperty)} is missing`;
    case 'format':
      return params.format === 'date-time'
        ? `${path} must be an ISO 8601 date-time${got}`
        : `${path} must be a ${String(params.format)}${got}`;
    case 'type':
      return `${path} must be ${String(params.type)}${got}`;
    case 'enum':
      return `${path} must be one of ${(params.allowedValues as unknown[]).join(', ')}${got}`;
    case 'const':
      return `${path} must be ${JSON.stringify(params.allowedValue)}${got}`;
    default:
      return `${path} ${error.message ?? 'is invalid'}${got}`;
  }
}

/**
 * Checks part of a bundle against its schema.
 * @throws ConfigurationError naming the file and each malformed field (the first five).
 */
export function checkEvidence(
  validate: ValidateFunction,
  value: unknown,
  file: string,
  root = '',
): void {
  if (validate(value)) return;
  const problems = [
    ...new Set((validate.errors ?? []).map((error) => describeProblem(error, root))),
  ];
  const shown = problems.slice(0, 5);
  throw new ConfigurationError(
    `bundle: ${file} is malformed: ${shown.join('; ')}${problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : ''}`,
  );
}

/**
 * Reads an evidence bundle from its file, or from the report directory that holds it, and says
 * which file it read. This checks the format and every field all bundles share (types, enums,
 * `verdict.evaluatedAt` an ISO 8601 time); the caller checks its command's own fields.
 * @throws ConfigurationError when the path cannot be read, is not JSON, is not a bundle, or has
 *   a missing or malformed field (named).
 */
export async function readEvidence(path: string): Promise<{ evidence: Evidence; file: string }> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, EVIDENCE_FILE);
  } catch (error) {
    throw new ConfigurationError(`bundle: cannot read ${path}: ${errorMessage(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(
      `bundle: ${file} is not a readable JSON evidence file: ${errorMessage(error)}`,
    );
  }
  const format = (parsed as { format?: unknown } | null)?.format;
  if (typeof parsed !== 'object' || parsed === null || format !== EVIDENCE_FORMAT) {
    throw new ConfigurationError(
      `bundle: ${file} is not an assetguard evidence bundle (format ${EVIDENCE_FORMAT} expected)`,
    );
  }
  // EVIDENCE_SCHEMA's validator, compiled at build time (scripts/validators.ts), loaded by a run
  // that reads a bundle (a chunk file in the bundles), not by every gate that writes one.
  const { default: validateEvidence } = await import('./validators/evidence');
  checkEvidence(validateEvidence, parsed, file);
  // The JSON boundary: past the schema, the bundle is taken to be what its command wrote; replay
  // checks the command's own fields (subject, context) before evaluating.
  return { evidence: parsed as Evidence, file };
}
