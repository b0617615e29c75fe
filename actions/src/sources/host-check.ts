import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { ConfigurationError } from '../core/errors';
import { SEVERITIES, type Finding, type FindingResource, type Severity } from '../core/model';
import { HOST_CHECK_SCRIPT } from './host-check-script';

/**
 * The fleet host check script (scripts/fleet/host-check.sh, embedded at build time so the bundles
 * carry it) and what it prints: one JSON line per check, between a HOST line and an END line.
 * Parsing here is the same for every way the script ran (Run Command output read from S3, or
 * this machine), and fails closed: a line that is not a check result, a duplicate, or an output
 * without its END line is a problem of that host, never dropped and never a pass.
 */

export const CHECK_STATUSES = ['PASS', 'FAIL', 'INFO', 'ERROR'] as const;
/** PASS/FAIL: decided; INFO: does not apply (nothing to check); ERROR: could not check. */
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** One check line of the script. */
export interface HostCheckResult {
  /** Stable id: a KISA item (`U-01`) or a resource check (`RES-DISK`). */
  check: string;
  title: string;
  severity: Severity;
  status: CheckStatus;
  detail: string;
  /** What the line is about when a check reports per thing (RES-DISK: the mount point). */
  item?: string;
  /** How many things the check found (world-writable files, UID 0 accounts). */
  count?: number;
  /** The first of them. */
  evidence?: string[];
}

/** The script's output, parsed. */
export interface HostCheckOutput {
  /** The host name the script reported on its HOST line. */
  hostname?: string;
  /** The HOST line's detail: script version, OS, the user it ran as. */
  about?: string;
  /** Every check line, in order (HOST and END excluded). */
  results: HostCheckResult[];
  /**
   * Why the output cannot be trusted whole, one sentence each: a malformed line, a repeated
   * check, no END line (cut short) or an END count that differs. Empty for a clean output.
   */
  problems: string[];
}

/** The most lines one host's output may have; the script prints a few dozen. */
export const MAX_OUTPUT_LINES = 5_000;

/** Check ids as the script writes them: `U-01`, `RES-DISK`. */
const CHECK_ID = /^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$/;
const META_CHECKS = new Set(['HOST', 'END']);

/** sha256 (hex) of a script text, recorded with every run so its evidence names what ran. */
export function scriptDigest(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

/** The script as shipped: its text, size in bytes and sha256. */
export function hostCheckScript(): { text: string; bytes: number; sha256: string } {
  return {
    text: HOST_CHECK_SCRIPT,
    bytes: Buffer.byteLength(HOST_CHECK_SCRIPT),
    sha256: scriptDigest(HOST_CHECK_SCRIPT),
  };
}

/** A script setting: `ASSETGUARD_*` name and a value that needs no quoting beyond '…'. */
const SETTING_NAME = /^ASSETGUARD_[A-Z0-9_]+$/;
const SETTING_VALUE = /^[A-Za-z0-9 ._,:/+@=-]{0,256}$/;

/**
 * Checks script settings (`ASSETGUARD_DISK_MAX_PCT=85`), as the `check-settings` input gives
 * them. Values are limited to characters that are safe inside single quotes in sh.
 * @throws ConfigurationError naming `input` for an entry that is not NAME=value of that form.
 */
export function parseScriptSettings(
  entries: readonly string[],
  input: string,
): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    const name = equals < 0 ? entry : entry.slice(0, equals);
    const value = equals < 0 ? '' : entry.slice(equals + 1);
    if (equals < 0 || !SETTING_NAME.test(name)) {
      throw new ConfigurationError(
        `${input}: "${entry}" is not ASSETGUARD_NAME=value (e.g. ASSETGUARD_DISK_MAX_PCT=85)`,
      );
    }
    if (!SETTING_VALUE.test(value)) {
      throw new ConfigurationError(
        `${input}: the value of ${name} may hold only letters, digits, spaces and . _ , : / + @ = - (at most 256)`,
      );
    }
    settings[name] = value;
  }
  return settings;
}

/**
 * The script with settings applied as `export NAME='value'` lines right after its `#!` line:
 * what Run Command runs (AWS-RunShellScript has no environment parameter). The values were
 * checked by `parseScriptSettings` and hold no quote.
 */
export function scriptWithSettings(
  script: string,
  settings: Readonly<Record<string, string>>,
): string {
  const exports = Object.entries(settings).map(([name, value]) => `export ${name}='${value}'\n`);
  if (exports.length === 0) return script;
  const newline = script.startsWith('#!') ? script.indexOf('\n') + 1 : 0;
  return `${script.slice(0, newline)}${exports.join('')}${script.slice(newline)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a parsed line is not a check result, or the result. */
function checkLine(value: unknown): HostCheckResult | string {
  if (!isRecord(value)) return 'not a JSON object';
  const { check, title, severity, status, detail, item, count, evidence } = value;
  if (typeof check !== 'string' || !(CHECK_ID.test(check) || META_CHECKS.has(check))) {
    return 'no "check" id such as U-01 or RES-DISK';
  }
  if (typeof title !== 'string' || title === '') return 'no "title"';
  if (typeof severity !== 'string' || !(SEVERITIES as readonly string[]).includes(severity)) {
    return `"severity" is not one of ${SEVERITIES.join(', ')}`;
  }
  if (typeof status !== 'string' || !(CHECK_STATUSES as readonly string[]).includes(status)) {
    return `"status" is not one of ${CHECK_STATUSES.join(', ')}`;
  }
  if (typeof detail !== 'string') return 'no "detail"';
  if (item !== undefined && typeof item !== 'string') return '"item" is not a string';
  if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 0)) {
    return '"count" is not a whole number';
  }
  if (
    evidence !== undefined &&
    !(Array.isArray(evidence) && evidence.every((entry) => typeof entry === 'string'))
  ) {
    return '"evidence" is not a list of strings';
  }
  return {
    check,
    title,
    severity: severity as Severity,
    status: status as CheckStatus,
    detail,
    ...(item !== undefined && { item }),
    ...(count !== undefined && { count: count as number }),
    ...(evidence !== undefined && { evidence }),
  };
}

/** What a line looked like, for a problem message: at most 120 characters of it. */
function excerpt(line: string): string {
  const short = line.length > 120 ? `${line.slice(0, 120)}…` : line;
  return JSON.stringify(short);
}

/**
 * The key of a result within one host: its check id, and its item when the check reports per
 * item (`RES-DISK /var`). Two lines of one host never share a key.
 */
export function resultKey(result: Pick<HostCheckResult, 'check' | 'item'>): string {
  return result.item === undefined ? result.check : `${result.check} ${result.item}`;
}

/**
 * Parses the script's stdout (UTF-8 text; a trailing newline or blank lines are fine). Every
 * other line is a problem: not JSON, missing or mistyped fields, a check line before HOST or
 * after END, the same check (and item) twice, no END line, an END count that differs from the
 * check lines read, or more than MAX_OUTPUT_LINES lines. Pure; never throws.
 */
export function parseHostCheckOutput(text: string): HostCheckOutput {
  const output: HostCheckOutput = { results: [], problems: [] };
  const lines = text.split('\n');
  const seen = new Set<string>();
  let ended: number | undefined;
  let endCount: number | undefined;
  let started = false;
  let read = 0;
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    read += 1;
    if (read > MAX_OUTPUT_LINES) {
      output.problems.push(
        `the output has more than ${MAX_OUTPUT_LINES} lines; the rest were not read`,
      );
      break;
    }
    const where = `line ${index + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      output.problems.push(`${where} is not JSON: ${excerpt(line)}`);
      continue;
    }
    const result = checkLine(parsed);
    if (typeof result === 'string') {
      output.problems.push(`${where} is not a check result (${result}): ${excerpt(line)}`);
      continue;
    }
    if (ended !== undefined) {
      output.problems.push(`${where} comes after the END line: ${excerpt(line)}`);
      continue;
    }
    if (result.check === 'HOST') {
      if (started) output.problems.push(`${where} is a second HOST line`);
      started = true;
      if (result.item !== undefined) output.hostname = result.item;
      output.about = result.detail;
      continue;
    }
    if (result.check === 'END') {
      ended = index + 1;
      endCount = result.count;
      continue;
    }
    if (!started) {
      output.problems.push(`${where} (${result.check}) comes before the HOST line`);
      started = true;
    }
    const key = resultKey(result);
    if (seen.has(key)) {
      output.problems.push(`${where} repeats the check ${key}`);
      continue;
    }
    seen.add(key);
    output.results.push(result);
  }
  if (ended === undefined) {
    output.problems.push(
      read === 0
        ? 'the output is empty'
        : 'the output has no END line: it was cut short (the script was stopped, or its output truncated)',
    );
  } else if (endCount !== output.results.length) {
    output.problems.push(
      `the END line counts ${endCount ?? 'no'} check line(s) but ${output.results.length} were read`,
    );
  }
  return output;
}

/** Where one host's results were produced: an EC2 instance through Run Command, or this machine. */
export interface CheckedHost {
  /** The instance ARN, or `host/<name>` for this machine. */
  resource: FindingResource;
  /** The EC2 instance id, for Run Command targets. */
  instanceId?: string;
}

/**
 * The deterministic id of one result of one host: the same account, region, host and check
 * (and item) give the same id every run, so Security Hub updates its finding in place (and
 * archives it when the check passes again) instead of adding one per run. At most 512
 * characters (ASFF's limit); a longer item is replaced by its sha256.
 */
export function fleetFindingId(
  host: CheckedHost,
  result: Pick<HostCheckResult, 'check' | 'item'>,
): string {
  const account = host.resource.accountId ?? 'local';
  const region = host.resource.region ?? 'local';
  const where = host.instanceId ?? host.resource.id;
  const item = result.item === undefined ? '' : `/${encodeURIComponent(result.item)}`;
  const id = `assetguard/fleet-check/${account}/${region}/${where}/${result.check}${item}`;
  if (id.length <= 512) return id;
  const digest = createHash('sha256')
    .update(result.item ?? '')
    .digest('hex');
  return `assetguard/fleet-check/${account}/${region}/${where}/${result.check}/sha256-${digest}`.slice(
    0,
    512,
  );
}

/**
 * A FAIL line as the shared Finding (source `fleet`, status ACTIVE): id the check id, resource
 * the host, description the script's detail (with its item). Other statuses are not findings.
 */
export function fleetFinding(host: CheckedHost, result: HostCheckResult): Finding {
  return {
    id: result.check,
    sourceId: fleetFindingId(host, result),
    source: 'fleet',
    severity: result.severity,
    status: 'ACTIVE',
    title: result.item === undefined ? result.title : `${result.title} (${result.item})`,
    description: result.detail,
    resource: host.resource,
    packages: [],
    fixAvailable: 'no',
  };
}

/** What running the script on this machine gave. */
export interface LocalRun {
  stdout: string;
  stderr: string;
  /** The shell's exit code; undefined when it was killed. */
  exitCode?: number;
  /** Set when it ran past the timeout and was stopped. */
  timedOut: boolean;
}

/** The most output kept from a local run (the script prints a few KiB). */
const MAX_LOCAL_OUTPUT = 16 * 1024 * 1024;

/**
 * Runs the script on this machine with `/bin/sh -c`, as AWS-RunShellScript runs it on an
 * instance, with `settings` added to the environment. Its process group is killed when
 * `timeoutMs` passes (the file searches are child processes). Never rejects for the script's
 * own failure: the caller decides from `exitCode`, `timedOut` and the parsed output.
 * @throws ConfigurationError when /bin/sh cannot be started.
 */
export function runHostCheckLocally(options: {
  script: string;
  settings: Readonly<Record<string, string>>;
  timeoutMs: number;
}): Promise<LocalRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', options.script, 'assetguard-host-check'], {
      env: { ...process.env, ...options.settings },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let kept = 0;
    const keep = (into: Buffer[]) => (chunk: Buffer) => {
      kept += chunk.length;
      if (kept <= MAX_LOCAL_OUTPUT) into.push(chunk);
    };
    child.stdout.on('data', keep(stdout));
    child.stderr.on('data', keep(stderr));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(
        new ConfigurationError(`could not start /bin/sh to run the host check: ${error.message}`),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        ...(code !== null && { exitCode: code }),
        timedOut,
      });
    });
  });
}
