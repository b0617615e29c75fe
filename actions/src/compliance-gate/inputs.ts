import { ConfigurationError } from '../core/errors';
import {
  listInput,
  parseOutputDir,
  readInput,
  PULL_REQUEST_COMMENT_INPUTS,
  type CommandInputSpecs,
  type InputReader,
  type OutputSpecs,
  DEFAULT_POLICY_PATH,
} from '../core/inputs';
import { parseScope } from '../core/scope';

/** Declared once: action.yml and the CLI flags are checked against this in tests. */
export const COMPLIANCE_GATE_INPUTS = {
  source: {
    description:
      'Where compliance comes from: config (AWS Config rules) or securityhub (Security Hub control findings).',
    default: 'config',
  },
  rules: {
    description:
      'Only these rules: Config rule names, managed rule identifiers or control ids (e.g. S3.8), comma- or newline-separated. Default: all.',
    multiple: true,
  },
  scope: {
    description:
      'The deploy target as tags, Key=Value, comma- or newline-separated (e.g. Environment=prod); a resource must carry all of them. Default: every resource.',
    multiple: true,
  },
  policy: {
    description:
      'Policy file. When the default path does not exist, the built-in default applies (block NON_COMPLIANT CRITICAL and HIGH).',
    default: DEFAULT_POLICY_PATH,
  },
  'output-dir': {
    description: 'Directory for verdict.json, summary.md, results.sarif and evidence.json.',
    default: 'assetguard-reports/compliance-gate',
  },
  region: {
    description: 'AWS region of the target environment. Defaults to AWS_REGION.',
  },
  ...PULL_REQUEST_COMMENT_INPUTS,
} satisfies CommandInputSpecs;

/** Declared once: action.yml is checked against this in tests, and `setOutputs` writes exactly these. */
export const COMPLIANCE_GATE_OUTPUTS = {
  verdict: 'pass, block or error.',
  critical: 'Count of failing CRITICAL results in scope.',
  high: 'Count of failing HIGH results in scope.',
  medium: 'Count of failing MEDIUM results in scope.',
  low: 'Count of failing LOW results in scope.',
  total: 'Count of all failing results in scope.',
  blocking: 'Count of results that block the deploy.',
  'report-dir': 'Directory holding the reports.',
  'sarif-file': 'Path of results.sarif, for github/codeql-action/upload-sarif.',
} as const satisfies OutputSpecs;

/** The compliance gate's inputs, parsed: `scope` as tag key → value. */
export interface ComplianceGateInputs {
  source: 'config' | 'securityhub';
  rules: string[];
  scope: Record<string, string>;
  policy: string;
  outputDir: string;
  region?: string;
}

/**
 * Parses the compliance gate's inputs by name (action inputs or CLI flags), with the declared
 * defaults; `rules` and `scope` are lists (comma- or newline-separated, or repeated flags).
 * @throws ConfigurationError naming the input: an unknown source, a scope entry that is not
 *   Key=Value, repeats a key, has an empty value or is no tag AWS accepts (core/scope
 *   `parseScope`), an output-dir that is not a path.
 */
export function parseComplianceGateInputs(read: InputReader): ComplianceGateInputs {
  const get = <Name extends keyof typeof COMPLIANCE_GATE_INPUTS>(name: Name) =>
    readInput(COMPLIANCE_GATE_INPUTS, read, name);
  const source = get('source');
  if (source !== 'config' && source !== 'securityhub') {
    throw new ConfigurationError(`source: "${source}" is not config or securityhub`);
  }
  const region = get('region');
  return {
    source,
    rules: listInput(get('rules')),
    scope: parseScope(get('scope')),
    policy: get('policy'),
    outputDir: parseOutputDir(get('output-dir')),
    ...(region !== undefined && { region }),
  };
}
