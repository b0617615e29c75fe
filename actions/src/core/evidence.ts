import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VERSION as version } from './version';
import { ConfigurationError, errorMessage } from './errors';
import type { Finding } from './model';
import type { LoadedPolicy } from './policy';
import type { Verdict } from './verdict';

export const EVIDENCE_FORMAT = 'assetguard-evidence/1';
export const EVIDENCE_FILE = 'evidence.json';

/**
 * Everything a verdict was decided from: the inputs, the exact policy text, the normalized
 * findings and the verdict. `assetguard replay` re-evaluates it offline.
 */
export interface Evidence {
  format: typeof EVIDENCE_FORMAT;
  assetguardVersion: string;
  command: string;
  inputs: Record<string, unknown>;
  /** Source facts that are not findings (scan status, API call counts). */
  context: Record<string, unknown>;
  policy: { origin: string; sha256: string; text: string };
  findings: Finding[];
  verdict: Verdict;
}

export function buildEvidence(parts: {
  command: string;
  inputs: Record<string, unknown>;
  context: Record<string, unknown>;
  policy: LoadedPolicy | undefined;
  findings: Finding[];
  verdict: Verdict;
}): Evidence {
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

/** Reads an evidence bundle from its file, or from the report directory that holds it. */
export async function readEvidence(path: string): Promise<Evidence> {
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
    !Array.isArray(evidence.findings) ||
    typeof evidence.verdict !== 'object' ||
    !evidence.policy
  ) {
    throw new ConfigurationError(
      `bundle: ${file} is incomplete: findings, policy and verdict are required`,
    );
  }
  return evidence as Evidence;
}
