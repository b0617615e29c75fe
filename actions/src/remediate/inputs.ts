import { join } from 'node:path';
import { parseArn } from '../core/arn';
import { parseDuration } from '../core/duration';
import { ConfigurationError } from '../core/errors';
import {
  listInput,
  parseOutputDir,
  readInput,
  type CommandInputSpecs,
  type InputReader,
  type OutputSpecs,
  DEFAULT_POLICY_PATH,
} from '../core/inputs';
import { parseAuditLocation, type AuditLocation } from '../core/audit-location';
import { parseScope } from '../core/scope';

/** The most resources one run may take: AWS runs at most 100 automations at once per account. */
export const MAX_RESOURCES_LIMIT = 100;

/** Where the audit record goes without the audit input: this directory inside output-dir. */
export const DEFAULT_AUDIT_DIR = 'audit';

/** Declared once: action.yml, the CLI flags and the docs are checked against this in tests. */
export const REMEDIATE_INPUTS = {
  rule: {
    description:
      'The failing rule to remediate: a Config rule name in any deployed form (restricted-ssh, securityhub-restricted-ssh-1a2b3c), a managed rule identifier (INCOMING_SSH_DISABLED) or a Security Hub control id (EC2.13).',
    required: true,
  },
  resources: {
    description:
      'The resources to remediate: ids as AWS Config reports them (sg-0123…, a bucket name, an account id) or ARNs, comma- or newline-separated. Not given: the non-compliant resources of the rule, from source (within scope).',
    multiple: true,
  },
  scope: {
    description:
      'Without resources: only the non-compliant resources carrying these tags, Key=Value, comma- or newline-separated (e.g. Environment=dev). Neither given: every non-compliant resource of the rule in the region.',
    multiple: true,
  },
  source: {
    description:
      'Where the non-compliant resources come from when resources is not given: config (AWS Config rule results) or securityhub (Security Hub control findings).',
    default: 'config',
  },
  execute: {
    description:
      'Run the runbooks. Without it, a dry run: shows the plan and writes plan.json; nothing changes.',
    default: 'false',
    flag: true,
  },
  'max-resources': {
    description:
      'The most resources one run may remediate (1-100). When more match, the whole run is refused (exit 1) and nothing runs: narrow it with resources or scope.',
    default: '10',
  },
  'automation-assume-role': {
    description:
      'ARN of the IAM role SSM Automation runs the runbook as (its AutomationAssumeRole). Required with execute; a dry run shows a placeholder without it.',
  },
  audit: {
    description:
      'Where the run\'s audit record is appended: s3://bucket/prefix/ or a directory. Never overwrites a record. Default: the "audit" directory inside output-dir.',
  },
  timeout: {
    description:
      'How long to wait for the executions, e.g. 30m or 1h; one still running then counts as timed out (exit 2). It is not stopped.',
    default: '30m',
  },
  policy: {
    description:
      'Policy file; its remediation.documents may name runbooks for rules the control mapping table has none for.',
    default: DEFAULT_POLICY_PATH,
  },
  'output-dir': {
    description:
      'Directory for verdict.json, summary.md, plan.json and evidence.json (and the audit directory by default).',
    default: 'assetguard-reports/remediate',
  },
  region: {
    description: 'AWS region of the resources and of the executions. Defaults to AWS_REGION.',
  },
} satisfies CommandInputSpecs;

/** Declared once: action.yml is checked against this in tests, and `setOutputs` writes exactly these. */
export const REMEDIATE_OUTPUTS = {
  verdict:
    'pass (the plan can run, or every execution succeeded), block (refused: no safe runbook, a resource the runbook cannot take, over max-resources) or error (an execution failed or timed out, or the run could not decide).',
  planned: 'Resources in the plan: that would run (dry run) or ran (execute).',
  succeeded: 'Executions that ended successfully (0 on a dry run).',
  failed: 'Executions that failed, timed out or could not start (0 on a dry run).',
  resources:
    'The planned resources, newline-separated, in the form the resources input takes: the remediate workflow passes them from the dry run to the approved execution.',
  'audit-record':
    "Where this run's audit record was written (s3://… or a path); empty when it was not.",
  'report-dir': 'Directory holding the reports.',
} as const satisfies OutputSpecs;

/** The remediate inputs, parsed. */
export interface RemediateInputs {
  /** As given (trimmed): the name the audit record and the plan show. */
  rule: string;
  /** Resource ids or ARNs, in the order given, each once; empty: from `source`. */
  resources: string[];
  /** Tag scope for sourced resources; `{}` for none. */
  scope: Record<string, string>;
  source: 'config' | 'securityhub';
  execute: boolean;
  maxResources: number;
  automationAssumeRole?: string;
  audit: AuditLocation;
  /** Milliseconds to wait for the executions. */
  timeoutMs: number;
  policy: string;
  outputDir: string;
  region?: string;
}

/** An IAM role ARN in any partition; the path may hold slashes. */
const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** A resource entry: no spaces or control characters inside, and not absurdly long. */
// eslint-disable-next-line no-control-regex
const RESOURCE_ENTRY = /^[^\s\u0000-\u001f\u007f]{1,2048}$/;

function parseResources(value: string | undefined): string[] {
  const entries = listInput(value);
  for (const entry of entries) {
    if (!RESOURCE_ENTRY.test(entry)) {
      throw new ConfigurationError(
        `resources: ${JSON.stringify(entry)} is not a resource id or ARN (no spaces; comma- or newline-separated)`,
      );
    }
    if (entry.startsWith('arn:') && parseArn(entry) === undefined) {
      throw new ConfigurationError(
        `resources: ${JSON.stringify(entry)} is not an ARN (arn:partition:service:region:account:resource)`,
      );
    }
  }
  return [...new Set(entries)];
}

function parseMaxResources(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_RESOURCES_LIMIT) {
    throw new ConfigurationError(
      `max-resources: "${text}" is not a whole number from 1 to ${MAX_RESOURCES_LIMIT} (AWS runs at most 100 automations at once per account)`,
    );
  }
  return value;
}

/**
 * Parses the remediate inputs by name (action inputs or CLI flags), with the declared defaults.
 * `audit` without a value is the `audit` directory inside output-dir.
 * @throws ConfigurationError naming the input: no rule; resources that are not ids or ARNs;
 *   both resources and scope; a scope entry that is not Key=Value (core/scope); an unknown
 *   source; execute not true/false; max-resources not 1-100; an automation-assume-role that is
 *   not an IAM role ARN, or none with execute; an audit location that is not s3://… or a
 *   directory; a timeout that is not a duration; an output-dir that is not a path.
 */
export function parseRemediateInputs(read: InputReader): RemediateInputs {
  const get = <Name extends keyof typeof REMEDIATE_INPUTS>(name: Name) =>
    readInput(REMEDIATE_INPUTS, read, name);
  const rule = get('rule');
  if (rule === undefined) {
    throw new ConfigurationError(
      'rule: required; name the failing rule, e.g. restricted-ssh, INCOMING_SSH_DISABLED or EC2.13',
    );
  }
  const resources = parseResources(get('resources'));
  const scope = parseScope(get('scope'));
  if (resources.length > 0 && Object.keys(scope).length > 0) {
    throw new ConfigurationError(
      'resources and scope: give one of them; resources names the resources, scope selects the non-compliant ones by tags',
    );
  }
  const source = get('source');
  if (source !== 'config' && source !== 'securityhub') {
    throw new ConfigurationError(`source: "${source}" is not config or securityhub`);
  }
  const execute = get('execute').toLowerCase();
  if (execute !== 'true' && execute !== 'false') {
    throw new ConfigurationError(`execute: "${execute}" is not true or false`);
  }
  const role = get('automation-assume-role');
  if (role !== undefined && !ROLE_ARN.test(role)) {
    throw new ConfigurationError(
      `automation-assume-role: "${role}" is not an IAM role ARN such as arn:aws:iam::123456789012:role/assetguard-remediation-automation`,
    );
  }
  if (execute === 'true' && role === undefined) {
    throw new ConfigurationError(
      'automation-assume-role: required with execute: the ARN of the IAM role SSM Automation runs the runbook as (AutomationAssumeRole), e.g. arn:aws:iam::123456789012:role/assetguard-remediation-automation',
    );
  }
  const outputDir = parseOutputDir(get('output-dir'));
  const auditText = get('audit');
  const region = get('region');
  return {
    rule,
    resources,
    scope,
    source,
    execute: execute === 'true',
    maxResources: parseMaxResources(get('max-resources')),
    ...(role !== undefined && { automationAssumeRole: role }),
    audit:
      auditText === undefined
        ? { kind: 'directory', path: join(outputDir, DEFAULT_AUDIT_DIR) }
        : parseAuditLocation(auditText, 'audit'),
    timeoutMs: parseDuration(get('timeout'), 'timeout'),
    policy: get('policy'),
    outputDir,
    ...(region !== undefined && { region }),
  };
}
