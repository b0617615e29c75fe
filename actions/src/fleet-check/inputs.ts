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
import { isSeverity, type Severity } from '../core/model';
import { parseScriptSettings, type ScriptSettingName } from '../sources/host-check';
import type { FleetTargets } from '../sources/fleet';

/** Declared once: action.yml and the CLI flags are checked against this in tests. */
export const FLEET_CHECK_INPUTS = {
  targets: {
    description:
      'What to check: EC2 instances by tag (Key=Value, comma- or newline-separated; a key given twice matches either value; every key must match), instance ids (i-…, at most 50), or local (this machine, with no Run Command).',
    required: true,
    multiple: true,
  },
  accounts: {
    description:
      'Member account ids to check, comma- or newline-separated: role-name is assumed in each. Default: only the account of the current credentials.',
    multiple: true,
  },
  'role-name': {
    description: 'The role assumed in each of accounts (its name, the same in every account).',
    default: 'assetguard-fleet-check',
  },
  'output-bucket': {
    description:
      'S3 bucket (in region, readable by the current credentials) where Run Command writes the output of each instance; required unless targets is local.',
  },
  'output-prefix': {
    description: 'Key prefix for the outputs in output-bucket.',
    default: 'assetguard/fleet-check',
  },
  region: {
    description: 'AWS region of the instances (and of Security Hub). Defaults to AWS_REGION.',
  },
  timeout: {
    description:
      'How long to wait for every instance (also the longest the script may run on one), e.g. 10m; at least 30s.',
    default: '10m',
  },
  'import-to-securityhub': {
    description:
      'true imports FAIL results into Security Hub as findings of each account (and, for a host checked completely, archives those that pass again or are no longer reported).',
    default: 'false',
    flag: true,
  },
  'fail-on': {
    description:
      'The lowest severity of a FAIL that fails the run (exit 1): CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, or none (FAILs are reported only; a check that could not run, ERROR, still exits 2).',
    default: 'HIGH',
  },
  'check-settings': {
    description:
      'Thresholds for the check script, ASSETGUARD_NAME=value, comma- or newline-separated (e.g. ASSETGUARD_DISK_MAX_PCT=85); list values separate their items with spaces (ASSETGUARD_PROC_DENY=xmrig kinsing). The names and values: docs/fleet-check.md.',
    multiple: true,
  },
  policy: {
    description:
      'Policy file, for its exceptions (a check id such as U-01, scoped to an instance id). When the default path does not exist, the built-in default applies.',
    default: DEFAULT_POLICY_PATH,
  },
  'output-dir': {
    description:
      'Directory for verdict.json, summary.md, checks.json, checks.csv and evidence.json.',
    default: 'assetguard-reports/fleet-check',
  },
} satisfies CommandInputSpecs;

/** Declared once: action.yml is checked against this in tests, and `setOutputs` writes exactly these. */
export const FLEET_CHECK_OUTPUTS = {
  verdict: 'pass, block or error.',
  critical: 'Count of CRITICAL checks that failed.',
  high: 'Count of HIGH checks that failed.',
  medium: 'Count of MEDIUM checks that failed.',
  low: 'Count of LOW checks that failed.',
  total: 'Count of all checks that failed.',
  blocking: 'Count of failed checks at or above fail-on (not excepted).',
  hosts: 'Hosts checked completely.',
  unchecked: 'Hosts and accounts that could not be checked (the run then exits 2).',
  imported: 'Findings imported into Security Hub (0 without import-to-securityhub).',
  'report-dir': 'Directory holding the reports.',
} as const satisfies OutputSpecs;

/** What `targets` selects. */
export type FleetTargetInput = FleetTargets | { kind: 'local' };

/** The fleet check's inputs, parsed. */
export interface FleetCheckInputs {
  targets: FleetTargetInput;
  /** The targets as written, for the report. */
  targetText: string[];
  /** Empty: the account of the current credentials only, without AssumeRole. */
  accounts: string[];
  roleName: string;
  outputBucket?: string;
  /** Without leading or trailing slashes; may be ''. */
  outputPrefix: string;
  region?: string;
  timeoutMs: number;
  importToSecurityHub: boolean;
  /** The lowest severity that blocks; undefined: nothing blocks (`none`). */
  failOn?: Severity;
  /** Only the thresholds the script reads (SCRIPT_SETTINGS), checked. */
  checkSettings: Partial<Record<ScriptSettingName, string>>;
  policy: string;
  outputDir: string;
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
/** Tag keys and values Run Command targets accept (letters, digits, spaces and `_ . : / = + - @`). */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** SendCommand: at most 50 InstanceIds, 5 targets, 50 values per target. */
const MAX_INSTANCE_IDS = 50;
const MAX_TARGET_KEYS = 5;
const MAX_TARGET_VALUES = 50;

/**
 * Parses `targets`: `local`; instance ids; or tags, Key=Value, where a key given twice matches
 * either value (one Run Command target with both values) and every key must match.
 * @throws ConfigurationError naming the input: nothing given, a mix of kinds, an entry that is
 *   none of them, more than 50 ids, 5 keys or 50 values of one key, a key or value AWS refuses.
 */
export function parseTargets(entries: readonly string[]): FleetTargetInput {
  if (entries.length === 0) {
    throw new ConfigurationError(
      'targets: give tags (Environment=prod), instance ids (i-0123456789abcdef0) or local',
    );
  }
  if (entries.some((entry) => entry.toLowerCase() === 'local')) {
    if (entries.length > 1) {
      throw new ConfigurationError('targets: local checks this machine only; give it alone');
    }
    return { kind: 'local' };
  }
  if (entries.every((entry) => INSTANCE_ID.test(entry))) {
    const ids = [...new Set(entries)];
    if (ids.length > MAX_INSTANCE_IDS) {
      throw new ConfigurationError(
        `targets: ${ids.length} instance ids; Run Command takes at most ${MAX_INSTANCE_IDS}: select more by tag`,
      );
    }
    return { kind: 'instances', ids };
  }
  const tags = new Map<string, string[]>();
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals <= 0) {
      throw new ConfigurationError(
        `targets: "${entry}" is not Key=Value, an instance id (i-…) or local; tags and instance ids cannot be mixed`,
      );
    }
    const key = entry.slice(0, equals).trim();
    const value = entry.slice(equals + 1).trim();
    if (key.length > 128 || !TAG_TEXT.test(key)) {
      throw new ConfigurationError(
        `targets: "${key}" is not a tag key AWS accepts (1-128 letters, digits, spaces and _ . : / = + - @)`,
      );
    }
    if (value === '' || value.length > 256 || !TAG_TEXT.test(value)) {
      throw new ConfigurationError(
        `targets: the value of ${key} must be 1-256 letters, digits, spaces and _ . : / = + - @`,
      );
    }
    const values = tags.get(key) ?? [];
    if (!values.includes(value)) values.push(value);
    tags.set(key, values);
  }
  if (tags.size > MAX_TARGET_KEYS) {
    throw new ConfigurationError(
      `targets: ${tags.size} tag keys; Run Command takes at most ${MAX_TARGET_KEYS}`,
    );
  }
  for (const [key, values] of tags) {
    if (values.length > MAX_TARGET_VALUES) {
      throw new ConfigurationError(
        `targets: ${values.length} values of ${key}; Run Command takes at most ${MAX_TARGET_VALUES}`,
      );
    }
  }
  return { kind: 'tags', tags: [...tags].map(([key, values]) => ({ key, values })) };
}

/** `fail-on`: a severity, case-insensitive, or `none`. */
export function parseFailOn(value: string): Severity | undefined {
  const upper = value.trim().toUpperCase();
  if (upper === 'NONE') return undefined;
  if (isSeverity(upper) && upper !== 'UNTRIAGED') return upper;
  throw new ConfigurationError(
    `fail-on: "${value}" is not CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL or none`,
  );
}

/** S3 bucket names: 3-63 lower-case letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses the fleet check's inputs by name (action inputs or CLI flags), with the declared
 * defaults.
 * @throws ConfigurationError naming the input: bad targets (`parseTargets`), an account that is
 *   not 12 digits, accounts with local or with instance ids of more than one account, a role
 *   name IAM refuses, a missing or invalid output-bucket for Run Command, a prefix over 400
 *   characters or with control characters, a timeout outside 30s-48h, an import flag that is not
 *   true/false, a bad fail-on, a check setting the script does not have (or ASSETGUARD_ROOT /
 *   ASSETGUARD_PROC) or whose value does not fit (`parseScriptSettings`).
 */
export function parseFleetCheckInputs(read: InputReader): FleetCheckInputs {
  const get = <Name extends keyof typeof FLEET_CHECK_INPUTS>(name: Name) =>
    readInput(FLEET_CHECK_INPUTS, read, name);
  const targetText = listInput(get('targets'));
  const targets = parseTargets(targetText);
  const accounts = [...new Set(listInput(get('accounts')))];
  for (const account of accounts) {
    if (!/^\d{12}$/.test(account)) {
      throw new ConfigurationError(`accounts: "${account}" is not a 12-digit AWS account id`);
    }
  }
  if (targets.kind === 'local' && accounts.length > 0) {
    throw new ConfigurationError(
      'accounts: targets local checks this machine; it takes no member accounts',
    );
  }
  if (targets.kind === 'instances' && accounts.length > 1) {
    throw new ConfigurationError(
      'accounts: instance ids belong to one account; select instances in several accounts by tag',
    );
  }
  const roleName = get('role-name');
  if (!/^[\w+=,.@-]{1,64}$/.test(roleName)) {
    throw new ConfigurationError(
      `role-name: "${roleName}" is not an IAM role name (1-64 letters, digits and + = , . @ _ -)`,
    );
  }
  const outputBucket = get('output-bucket');
  if (targets.kind !== 'local') {
    if (outputBucket === undefined) {
      throw new ConfigurationError(
        'output-bucket: required to check instances: Run Command writes each output there (it keeps only 24,000 characters itself)',
      );
    }
    if (!BUCKET.test(outputBucket)) {
      throw new ConfigurationError(`output-bucket: "${outputBucket}" is not an S3 bucket name`);
    }
  }
  const outputPrefix = get('output-prefix').replace(/^\/+|\/+$/g, '');
  // eslint-disable-next-line no-control-regex
  if (outputPrefix.length > 400 || /[\u0000-\u001f\u007f]/.test(outputPrefix)) {
    throw new ConfigurationError(
      'output-prefix: at most 400 characters, without control characters',
    );
  }
  const timeoutMs = parseDuration(get('timeout'), 'timeout');
  if (timeoutMs < 30_000 || timeoutMs > 172_800_000) {
    throw new ConfigurationError(
      `timeout: "${get('timeout')}" is outside what Run Command takes (30s to 48h)`,
    );
  }
  const importFlag = get('import-to-securityhub').toLowerCase();
  if (importFlag !== 'true' && importFlag !== 'false') {
    throw new ConfigurationError(`import-to-securityhub: "${importFlag}" is not true or false`);
  }
  const failOn = parseFailOn(get('fail-on'));
  const region = get('region');
  return {
    targets,
    targetText,
    accounts,
    roleName,
    ...(outputBucket !== undefined && { outputBucket }),
    outputPrefix,
    ...(region !== undefined && { region }),
    timeoutMs,
    importToSecurityHub: importFlag === 'true',
    ...(failOn !== undefined && { failOn }),
    checkSettings: parseScriptSettings(listInput(get('check-settings')), 'check-settings'),
    policy: get('policy'),
    outputDir: parseOutputDir(get('output-dir')),
  };
}
