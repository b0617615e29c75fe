import { parseDuration } from '../core/duration';
import {
  parseOutputDir,
  readInput,
  PULL_REQUEST_COMMENT_INPUTS,
  type CommandInputSpecs,
  type InputReader,
  type OutputSpecs,
  DEFAULT_POLICY_PATH,
} from '../core/inputs';
import { ConfigurationError } from '../core/errors';

/** Declared once: action.yml and the CLI flags are checked against this in tests. */
export const SCAN_GATE_INPUTS = {
  image: {
    description:
      'Image to gate: repo:tag, repo@sha256:<digest>, or a full ECR URI. A tag is resolved to its digest once.',
    required: true,
  },
  policy: {
    description:
      'Policy file. When the default path does not exist, the built-in default applies (block ACTIVE CRITICAL and HIGH).',
    default: DEFAULT_POLICY_PATH,
  },
  timeout: {
    description:
      'How long the whole run may take (resolving the image, waiting for the Inspector scan, listing findings), with a unit: e.g. 15m, 90s, 1h.',
    default: '15m',
  },
  'output-dir': {
    description: 'Directory for verdict.json, summary.md, results.sarif and evidence.json.',
    default: 'assetguard-reports/scan-gate',
  },
  region: {
    description:
      'AWS region of the registry. Defaults to the region of a full ECR URI, then AWS_REGION.',
  },
  ...PULL_REQUEST_COMMENT_INPUTS,
} satisfies CommandInputSpecs;

/** Declared once: action.yml is checked against this in tests, and `setOutputs` writes exactly these. */
export const SCAN_GATE_OUTPUTS = {
  verdict: 'pass, block or error.',
  'image-digest': 'The sha256 digest the verdict is about.',
  critical: 'Count of ACTIVE CRITICAL findings.',
  high: 'Count of ACTIVE HIGH findings.',
  medium: 'Count of ACTIVE MEDIUM findings.',
  low: 'Count of ACTIVE LOW findings.',
  total: 'Count of all ACTIVE findings.',
  blocking: 'Count of findings that block the deploy.',
  'report-dir': 'Directory holding the reports.',
  'sarif-file': 'Path of results.sarif, for github/codeql-action/upload-sarif.',
} as const satisfies OutputSpecs;

/** The scan gate's inputs, parsed. */
export interface ScanGateInputs {
  image: string;
  policy: string;
  /** How long to wait for the scan, in milliseconds. */
  timeoutMs: number;
  outputDir: string;
  region?: string;
}

/**
 * Parses the scan gate's inputs by name (action inputs or CLI flags), with the declared defaults.
 * @throws ConfigurationError naming the input: image missing, timeout not a duration, output-dir
 *   not a path.
 */
export function parseScanGateInputs(read: InputReader): ScanGateInputs {
  const get = <Name extends keyof typeof SCAN_GATE_INPUTS>(name: Name) =>
    readInput(SCAN_GATE_INPUTS, read, name);
  const image = get('image');
  if (image === undefined) {
    throw new ConfigurationError(
      'image: required; give the image to gate, e.g. web:1.4.2 or web@sha256:…',
    );
  }
  const region = get('region');
  return {
    image,
    policy: get('policy'),
    timeoutMs: parseDuration(get('timeout'), 'timeout'),
    outputDir: parseOutputDir(get('output-dir')),
    ...(region !== undefined && { region }),
  };
}
