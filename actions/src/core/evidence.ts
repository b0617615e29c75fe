import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VERSION as version } from './version';
import { ConfigurationError, errorMessage } from './errors';
import type { Finding } from './model';
import type { LoadedPolicy } from './policy';
import type { AnyVerdict } from './verdict';

export const EVIDENCE_FORMAT = 'assetguard-evidence/1';
export const EVIDENCE_FILE = 'evidence.json';

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

/** Assembles an evidence bundle; a policy that was never loaded is recorded as `not loaded`. */
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
      : { origin: 'not loaded', sha256: '', text: '' },
    findings: parts.findings,
    verdict: parts.verdict,
  };
}

/**
 * Reads an evidence bundle from its file, or from the report directory that holds it. `E` is the
 * union of the bundles the caller can handle, discriminated by `command`; this checks the format
 * and the fields every bundle has, and the caller switches on `command`.
 * @throws ConfigurationError when the path cannot be read, is not JSON, or is not a bundle.
 */
export async function readEvidence<E extends Evidence>(path: string): Promise<E> {
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
  const evidence = parsed as Partial<Evidence> | null;
  if (evidence?.format !== EVIDENCE_FORMAT) {
    throw new ConfigurationError(
      `bundle: ${file} is not an assetguard evidence bundle (format ${EVIDENCE_FORMAT} expected)`,
    );
  }
  if (
    typeof evidence.command !== 'string' ||
    !Array.isArray(evidence.findings) ||
    typeof evidence.verdict !== 'object' ||
    typeof evidence.context !== 'object' ||
    !evidence.policy
  ) {
    throw new ConfigurationError(
      `bundle: ${file} is incomplete: command, context, findings, policy and verdict are required`,
    );
  }
  // The JSON boundary: past the checks above, the bundle is taken to be what its command wrote.
  return evidence as E;
}
