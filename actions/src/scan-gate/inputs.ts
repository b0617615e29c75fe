import { parseDuration } from '../core/duration';
import { readInput, type InputReader, type InputSpecs } from '../core/inputs';
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
    default: '.github/assetguard.yml',
  },
  timeout: {
    description: 'How long to wait for the Inspector scan to complete, e.g. 15m, 90s, 1h.',
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
} satisfies InputSpecs;

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
} as const;

export interface ScanGateInputs {
  image: string;
  policy: string;
  timeoutMs: number;
  outputDir: string;
  region?: string;
}

export function parseScanGateInputs(read: InputReader): ScanGateInputs {
  const get = (name: keyof typeof SCAN_GATE_INPUTS): string | undefined =>
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
    policy: get('policy') ?? SCAN_GATE_INPUTS.policy.default,
    timeoutMs: parseDuration(get('timeout') ?? SCAN_GATE_INPUTS.timeout.default, 'timeout'),
    outputDir: get('output-dir') ?? SCAN_GATE_INPUTS['output-dir'].default,
    ...(region !== undefined && { region }),
  };
}
