/**
 * The pull-request summary's decisions, pure: no I/O, no clock but the `now` given. What the
 * gates decided is read from their report directories by run.ts; here each gate is checked (a
 * gate's command, a bundle that reproduces its own verdict, a verdict.json that is that verdict)
 * and combined into one verdict, and, when the pull request changes the policy, each gate's
 * evidence is re-evaluated under the base branch's policy and the pull request's (replay's
 * evaluators, at the time the gate ran) to say what the change newly blocks and no longer blocks.
 */
import { isDeepStrictEqual } from 'node:util';
import { ConfigurationError, errorMessage } from '../core/errors';
import type { Evidence } from '../core/evidence';
import { isSeverity, severityRank, type Severity } from '../core/model';
import { loadedFromText, type LoadedPolicy } from '../core/policy';
import {
  emptyExceptionReport,
  type AnyVerdict,
  type BlockingBase,
  type ExceptedEntry,
  type Verdict,
  type VerdictKind,
} from '../core/verdict';
import { reEvaluateBundle, replayableEvidence, type ReplayableEvidence } from '../replay/replay';

/**
 * The commands whose verdicts the summary is about: the gates a pull request runs. Other report
 * directories (the daily report, remediate, fleet-check, tags apply) decide nothing about a pull
 * request, and a passing one must never be read as a passing gate.
 */
export const GATE_COMMANDS = ['scan-gate', 'compliance-gate', 'tags audit'] as const;

/** Whether `command` (verdict.json's) is one of GATE_COMMANDS. */
export function isGateCommand(command: string): command is (typeof GATE_COMMANDS)[number] {
  return (GATE_COMMANDS as readonly string[]).includes(command);
}

/** A blocking entry as the summary shows it, whatever gate wrote it. */
export interface BlockingItem {
  id: string;
  resource: string;
  reason: string;
  severity?: Severity;
  title?: string;
  url?: string;
}

/** What changing the policy from the base branch's to the pull request's does to one gate. */
export interface PolicyChanges {
  /** The gate's verdict under the base branch's policy. */
  base: VerdictKind;
  /** The gate's verdict under the pull request's policy. */
  pr: VerdictKind;
  /** Blocks under the pull request's policy, not under the base branch's (riskiest first). */
  newlyBlocks: BlockingItem[];
  /** Blocked under the base branch's policy, no longer under the pull request's. */
  noLongerBlocks: BlockingItem[];
  /**
   * The policies, of `base` and `pr`, without the section the gate reads (a tags audit under a
   * policy with no tags.required): under such a policy the gate is not configured and blocks
   * nothing, so its verdict there is `pass` with nothing blocking.
   */
  withoutSection?: ('base' | 'pr')[];
}

/**
 * The preview of one gate: made, not possible because the gate itself did not decide (its row
 * already says so), or failed (an altered or unreadable bundle): a failed preview is an error.
 */
export type GatePreview =
  | { status: 'previewed'; changes: PolicyChanges; notes: string[] }
  | { status: 'not decided' }
  | { status: 'failed'; reason: string };

/** One report directory as run.ts read it. */
export interface GateFiles {
  /** The directory as the user gave it (report-dirs). */
  dir: string;
  /** verdict.json, checked; undefined when there is none or it could not be read. */
  verdict?: AnyVerdict;
  /** Why there is no verdict (set exactly when `verdict` is undefined). */
  noVerdict?: string;
  /** evidence.json as `readEvidence` read it, when it was read (every gate that decided). */
  evidence?: { evidence: Evidence; file: string };
  /** Why evidence.json could not be read, when it was needed. */
  evidenceProblem?: string;
}

/** One gate in the summary: its verdict (or why there is none) and its preview, if one was made. */
export interface GateResult {
  dir: string;
  verdict?: AnyVerdict;
  noVerdict?: string;
  /**
   * Why the gate's verdict is not taken (not a gate's command, or its reports failed their
   * check: evidence.json unreadable or altered, verdict.json not the verdict it records). A
   * refused gate counts as neither pass nor block, and makes the summary an error.
   */
  refused?: string;
  preview?: GatePreview;
}

/** A gate's row in verdict.json's subject. */
export interface GateRow {
  dir: string;
  command?: string;
  verdict: VerdictKind | 'no verdict';
  /** Set when the gate's verdict is not taken: why (GateResult.refused). */
  refused?: string;
  preview?: GatePreview['status'];
}

/** What the summary is about: the gates it read, and whether the policy changed. */
export interface PrSummarySubject {
  gates: GateRow[];
  /** True when a base policy was given and its text differs from the pull request's. */
  policyChanged: boolean;
  /** The base branch's policy, when given. */
  basePolicy?: { origin: string; sha256: string };
}

/** verdict.counts of the summary: gates by verdict, and what the policy change moves. */
export interface PrSummaryCounts {
  gates: number;
  pass: number;
  block: number;
  error: number;
  noVerdict: number;
  /** Gates whose verdict is not taken (GateResult.refused); not counted in pass, block, error. */
  refused: number;
  newlyBlocking: number;
  noLongerBlocking: number;
  previewFailed: number;
}

/** A blocking entry of a gate, in the summary's verdict.json: the gate's entry and which gate. */
export interface PrBlockingEntry extends BlockingBase {
  /** The report directory of the gate. */
  gate: string;
  /** The gate's command (`scan-gate`, `compliance-gate`). */
  command: string;
  severity?: Severity;
  title?: string;
  url?: string;
}

export type PrSummaryVerdict = Verdict<PrSummarySubject, PrSummaryCounts, PrBlockingEntry>;

/** What render needs beyond the verdict: every gate in full, and where the run is. */
export interface PrSummaryDetails {
  gates: GateResult[];
  /** The workflow run's page (GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID). */
  runUrl?: string;
  /** The two policies compared, when the policy changed. */
  policies?: { base: { origin: string; sha256: string }; pr: { origin: string; sha256: string } };
}

/** A gate's blocking entry as the summary shows it; fields a gate does not write are left out. */
export function blockingItem(entry: BlockingBase): BlockingItem {
  const { severity, title, url } = entry as { severity?: unknown; title?: unknown; url?: unknown };
  return {
    id: entry.id,
    resource: entry.resource,
    reason: entry.reason,
    ...(typeof severity === 'string' && isSeverity(severity) && { severity }),
    ...(typeof title === 'string' && { title }),
    ...(typeof url === 'string' && { url }),
  };
}

/** The same blocking entry in two verdicts: the same id on the same resource. */
function keyOf(entry: BlockingBase): string {
  return JSON.stringify([entry.id, entry.resource]);
}

/** Most severe first (entries without a severity last), then by id and resource. */
function byRisk(a: BlockingItem, b: BlockingItem): number {
  const rank = (item: BlockingItem) => (item.severity ? severityRank(item.severity) : 99);
  return rank(a) - rank(b) || a.id.localeCompare(b.id) || a.resource.localeCompare(b.resource);
}

/**
 * What moves between two verdicts of the same evidence: the entries that block under `pr` and
 * not under `base` (newly), and the reverse (no longer), keyed by id and resource. Pure.
 */
export function diffVerdicts(
  base: Pick<AnyVerdict, 'verdict' | 'blocking'>,
  pr: Pick<AnyVerdict, 'verdict' | 'blocking'>,
): PolicyChanges {
  const inBase = new Set(base.blocking.map(keyOf));
  const inPr = new Set(pr.blocking.map(keyOf));
  return {
    base: base.verdict,
    pr: pr.verdict,
    newlyBlocks: pr.blocking
      .filter((entry) => !inBase.has(keyOf(entry)))
      .map(blockingItem)
      .sort(byRisk),
    noLongerBlocks: base.blocking
      .filter((entry) => !inPr.has(keyOf(entry)))
      .map(blockingItem)
      .sort(byRisk),
  };
}

/**
 * Checks one gate's reports before its verdict is taken: the bundle as replay checks it (a
 * command replay knows, well-formed fields, the policy text matching its sha256), that it still
 * reproduces its own recorded verdict, and that verdict.json is that verdict (else one of them
 * was altered: a verdict.json edited to `pass` over an evidence.json that records a block).
 * Pure. Returns the checked bundle.
 * @throws ConfigurationError (or the bundle checks' errors) saying which check failed.
 */
export function checkGateBundle(input: {
  evidence: Evidence;
  file: string;
  /** verdict.json of the same directory. */
  recorded: AnyVerdict;
}): ReplayableEvidence {
  const { evidence, file } = input;
  const bundle = replayableEvidence(evidence, file);
  const own = loadedFromText(evidence.policy.text, evidence.policy.origin);
  if (!isDeepStrictEqual(reEvaluateBundle(bundle, own, file).verdict, evidence.verdict)) {
    throw new ConfigurationError(
      `${file} does not reproduce its own recorded verdict: the bundle was altered, or written by an incompatible version (${evidence.assetguardVersion})`,
    );
  }
  if (!isDeepStrictEqual(input.recorded, evidence.verdict)) {
    throw new ConfigurationError(
      `verdict.json is not the verdict ${file} records (verdict.json: ${input.recorded.verdict} with ${input.recorded.blocking.length} blocking; evidence.json: ${evidence.verdict.verdict} with ${evidence.verdict.blocking.length}): one of them was altered`,
    );
  }
  return bundle;
}

/**
 * Whether `policy` configures the gate that wrote `bundle`. Only the tags audit has a section it
 * cannot run without (tags.required, as tag-policy's `tagPolicyOf` requires); the image and
 * compliance sections have defaults.
 */
function configures(bundle: ReplayableEvidence, policy: LoadedPolicy): boolean {
  if (bundle.command !== 'tags audit') return true;
  const tags = policy.policy.tags;
  return tags !== undefined && tags.required.length > 0;
}

/**
 * The preview of a checked bundle: its findings re-evaluated under `base` and `pr` at its
 * recorded `evaluatedAt`, diffed. A policy without the gate's section (a base branch from before
 * the tag policy) is "nothing blocked" there, not an error: a pull request introducing the
 * section must be able to pass. Pure.
 * @throws ConfigurationError when a policy does not fit the bundle.
 */
function previewChecked(
  bundle: ReplayableEvidence,
  file: string,
  base: LoadedPolicy,
  pr: LoadedPolicy,
): GatePreview {
  const without: ('base' | 'pr')[] = [];
  const under = (side: 'base' | 'pr', policy: LoadedPolicy) => {
    if (configures(bundle, policy)) return reEvaluateBundle(bundle, policy, file).verdict;
    without.push(side);
    return { verdict: 'pass' as const, blocking: [] };
  };
  const changes = diffVerdicts(under('base', base), under('pr', pr));
  const notes =
    bundle.policy.sha256 === pr.sha256
      ? []
      : [
          `${bundle.command} ran with ${bundle.policy.origin} (sha256 ${bundle.policy.sha256.slice(0, 12)}), not with this pull request's policy (sha256 ${pr.sha256.slice(0, 12)}): the preview re-evaluates its findings under both policies, so its verdict under the pull request's policy may differ from the gate's`,
        ];
  return {
    status: 'previewed',
    changes: { ...changes, ...(without.length > 0 && { withoutSection: without }) },
    notes,
  };
}

/**
 * Previews one gate: `checkGateBundle`, then its findings re-evaluated under `base` and `pr` at
 * the bundle's recorded `evaluatedAt`, diffed. Never throws: a bundle that cannot be previewed is
 * a `failed` preview saying why. Pure.
 */
export function previewGate(input: {
  evidence: Evidence;
  file: string;
  /** verdict.json of the same directory. */
  recorded: AnyVerdict;
  base: LoadedPolicy;
  pr: LoadedPolicy;
}): GatePreview {
  if (input.evidence.verdict.verdict === 'error') return { status: 'not decided' };
  try {
    return previewChecked(checkGateBundle(input), input.file, input.base, input.pr);
  } catch (error) {
    return { status: 'failed', reason: errorMessage(error) };
  }
}

/** Whether a preview is due: a base policy was given and its text differs from the pull request's. */
export function policyChanged(pr: LoadedPolicy, base: LoadedPolicy | undefined): boolean {
  return base !== undefined && base.text !== pr.text;
}

/**
 * Each gate checked, with its preview (when the policy changed). Fail closed whether or not the
 * policy changed: a directory not written by a gate's command is refused; a gate that decided is
 * taken only when its evidence.json reads, reproduces its own verdict and is its verdict.json
 * (`checkGateBundle`), else refused saying why. Pure.
 */
export function gateResults(
  files: readonly GateFiles[],
  pr: LoadedPolicy,
  base: LoadedPolicy | undefined,
): GateResult[] {
  const previewBase = policyChanged(pr, base) ? base : undefined;
  return files.map((gate): GateResult => {
    const result: GateResult = {
      dir: gate.dir,
      ...(gate.verdict !== undefined && { verdict: gate.verdict }),
      ...(gate.verdict === undefined && {
        noVerdict: gate.noVerdict ?? 'no verdict.json was read',
      }),
    };
    if (!gate.verdict) return result;
    const { command } = gate.verdict;
    if (!isGateCommand(command)) {
      return {
        ...result,
        refused: `written by ${JSON.stringify(command)}, which is not a gate: pr-summary takes the report directories of ${GATE_COMMANDS.join(', ')} only`,
      };
    }
    if (gate.verdict.verdict === 'error') {
      return previewBase ? { ...result, preview: { status: 'not decided' } } : result;
    }
    let bundle: ReplayableEvidence;
    let file: string;
    try {
      if (!gate.evidence) {
        throw new ConfigurationError(gate.evidenceProblem ?? 'evidence.json was not read');
      }
      file = gate.evidence.file;
      bundle = checkGateBundle({ ...gate.evidence, recorded: gate.verdict });
    } catch (error) {
      return {
        ...result,
        refused: `its reports fail their check, so its verdict is not taken: ${errorMessage(error)}`,
      };
    }
    if (!previewBase) return result;
    let preview: GatePreview;
    try {
      preview = previewChecked(bundle, file, previewBase, pr);
    } catch (error) {
      preview = { status: 'failed', reason: errorMessage(error) };
    }
    return { ...result, preview };
  });
}

/** One line per reason the summary cannot decide: gates without a verdict, refused, undecided, failed previews. */
function problems(gates: readonly GateResult[]): string[] {
  return gates.flatMap((gate) => {
    if (!gate.verdict) return [`${gate.dir}: no verdict (${gate.noVerdict ?? 'unknown'})`];
    if (gate.refused !== undefined) return [`${gate.dir}: ${gate.refused}`];
    const lines: string[] = [];
    if (gate.verdict.verdict === 'error') {
      lines.push(
        `${gate.dir}: ${gate.verdict.command} could not decide: ${gate.verdict.error ?? 'no reason was recorded'}`,
      );
    }
    if (gate.preview?.status === 'failed') {
      lines.push(`${gate.dir}: the policy preview failed: ${gate.preview.reason}`);
    }
    return lines;
  });
}

/**
 * The summary's verdict from its gates: `error` when any gate wrote no verdict, was refused, could
 * not decide, or could not be previewed (fail closed: never a pass on what could not be read); else `block`
 * when any gate blocked; else `pass`. Blocking entries are every gate's, tagged with the gate.
 * Preview notes become warnings. Pure.
 */
export function evaluatePrSummary(input: {
  gates: readonly GateResult[];
  policy: LoadedPolicy;
  basePolicy: LoadedPolicy | undefined;
  now: Date;
}): PrSummaryVerdict {
  const { gates } = input;
  // A refused gate's verdict.json is not taken: neither its verdict nor its entries count.
  const taken = gates.filter((gate) => gate.refused === undefined);
  const decided = taken.flatMap((gate) => (gate.verdict ? [gate.verdict] : []));
  const previews = gates.flatMap((gate) => (gate.preview ? [gate.preview] : []));
  const changes = previews.flatMap((preview) =>
    preview.status === 'previewed' ? [preview.changes] : [],
  );
  const reasons = problems(gates);
  const counts: PrSummaryCounts = {
    gates: gates.length,
    pass: decided.filter((verdict) => verdict.verdict === 'pass').length,
    block: decided.filter((verdict) => verdict.verdict === 'block').length,
    error: decided.filter((verdict) => verdict.verdict === 'error').length,
    noVerdict: gates.filter((gate) => !gate.verdict).length,
    refused: gates.length - taken.length,
    newlyBlocking: changes.reduce((sum, change) => sum + change.newlyBlocks.length, 0),
    noLongerBlocking: changes.reduce((sum, change) => sum + change.noLongerBlocks.length, 0),
    previewFailed: previews.filter((preview) => preview.status === 'failed').length,
  };
  const blocking = taken.flatMap((gate) =>
    (gate.verdict?.blocking ?? []).map((entry): PrBlockingEntry => ({
      ...blockingItem(entry),
      gate: gate.dir,
      command: gate.verdict?.command ?? '',
    })),
  );
  const excepted = taken.flatMap((gate): ExceptedEntry[] => gate.verdict?.excepted ?? []);
  const { basePolicy } = input;
  const verdict: VerdictKind = reasons.length > 0 ? 'error' : counts.block > 0 ? 'block' : 'pass';
  return {
    verdict,
    command: 'pr-summary',
    subject: {
      gates: gates.map((gate) => ({
        dir: gate.dir,
        ...(gate.verdict && { command: gate.verdict.command }),
        verdict: gate.verdict?.verdict ?? 'no verdict',
        ...(gate.refused !== undefined && { refused: gate.refused }),
        ...(gate.preview && { preview: gate.preview.status }),
      })),
      policyChanged: policyChanged(input.policy, basePolicy),
      ...(basePolicy && { basePolicy: { origin: basePolicy.origin, sha256: basePolicy.sha256 } }),
    },
    evaluatedAt: input.now.toISOString(),
    policy: { origin: input.policy.origin, sha256: input.policy.sha256 },
    counts,
    blocking,
    excepted,
    exceptions: emptyExceptionReport(),
    warnings: previews.flatMap((preview) => (preview.status === 'previewed' ? preview.notes : [])),
    ...(verdict === 'error' && {
      error: [
        `${reasons.length === 1 ? '1 problem keeps' : `${reasons.length} problems keep`} this summary from deciding (it fails closed):`,
        ...reasons,
      ].join('\n'),
    }),
  };
}
