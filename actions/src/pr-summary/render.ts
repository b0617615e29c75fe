import { clip, markdownCode, markdownLink, markdownText } from '../core/escape';
import { finishSummary, fullDataIn, headline, plural, policyLine, table } from '../core/markdown';
import { SEVERITIES } from '../core/model';
import type { AnyVerdict, VerdictKind } from '../core/verdict';
import type { Verdict } from '../core/verdict';
import type {
  BlockingItem,
  GateResult,
  PolicyChanges,
  PrBlockingEntry,
  PrSummaryCounts,
  PrSummaryDetails,
  PrSummarySubject,
} from './evaluate';
import { blockingItem } from './evaluate';

/**
 * The most characters the comment may have. GitHub refuses an issue comment over 65,536
 * characters (sinks/github GITHUB_BODY_LIMIT); the sink adds the hidden marker, and a summary
 * cut by the sink would lose its end (the policy line), so the summary shrinks its own lists
 * until it fits well under the limit.
 */
export const MAX_COMMENT_CHARS = 60_000;

/** Rows per list, tried in turn until the comment fits in MAX_COMMENT_CHARS. */
const ROW_CAPS = [50, 25, 10, 5, 0] as const;
/** Gates and problems are always listed, at least this many of each, whatever the row cap. */
const MIN_LISTED = 10;
/** Characters of one untrusted cell (a title, a resource, a reason) before it is cut with `…`. */
const CELL = 200;
/** A link longer than this is shown as text: a destination cannot be cut without changing it. */
const MAX_URL = 500;

/** The summary's verdict as render gets it: a run that failed knows only part of its subject. */
type ShownVerdict = Verdict<Partial<PrSummarySubject>, PrSummaryCounts, PrBlockingEntry>;

const VERDICT_CELL: Record<VerdictKind | 'no verdict', string> = {
  pass: '✅ pass',
  block: '❌ block',
  error: '⚠️ error',
  'no verdict': '⚠️ no verdict',
};

/** Untrusted text in a cell, cut at CELL characters. */
function cell(text: string | undefined): string {
  return markdownText(text, CELL);
}

/** A link to `url` labelled `text` when `url` is a short safe http(s) URL, else the text. */
function link(text: string, url: string | undefined): string {
  return markdownLink(
    clip(text, CELL),
    url !== undefined && url.length <= MAX_URL ? url : undefined,
  );
}

/** A gate's counts as `1 CRITICAL · 2 HIGH`, when they are per severity (the gates'); else `–`. */
function countsCell(counts: unknown): string {
  if (typeof counts !== 'object' || counts === null) return '–';
  const values = counts as Record<string, unknown>;
  if (!SEVERITIES.every((severity) => typeof values[severity] === 'number')) return '–';
  const shown = SEVERITIES.filter((severity) => (values[severity] as number) > 0).map(
    (severity) => `${String(values[severity])} ${severity}`,
  );
  return shown.length > 0 ? shown.join(' · ') : 'none';
}

/** What a gate decided about, from its subject: an image, a compliance scope; `–` otherwise. */
function subjectCell(verdict: AnyVerdict): string {
  if (typeof verdict.subject !== 'object' || verdict.subject === null) return '–';
  const subject = verdict.subject as Record<string, unknown>;
  const text = (key: string): string | undefined =>
    typeof subject[key] === 'string' ? subject[key] : undefined;
  const repository = text('repository');
  const digest = text('digest');
  if (repository !== undefined && digest !== undefined) {
    const tag = text('tag');
    return `${markdownCode(`${clip(repository, CELL)}@${digest.slice(0, 19)}…`)}${tag !== undefined ? ` (${cell(tag)})` : ''}`;
  }
  const image = text('image');
  if (image !== undefined) return markdownCode(image, CELL);
  const scope = subject.scope as { tags?: unknown } | undefined;
  const source = text('source');
  if (source !== undefined && typeof scope?.tags === 'object' && scope.tags !== null) {
    const tags = Object.entries(scope.tags as Record<string, unknown>).map(
      ([key, value]) => `${key}=${String(value)}`,
    );
    return `${cell(source)}: ${tags.length > 0 ? markdownCode(tags.join(', '), CELL) : 'whole account'}`;
  }
  return '–';
}

/** The table of gates: one row per report directory, in the order given. */
function gatesTable(
  gates: readonly GateResult[],
  runUrl: string | undefined,
  cap: number,
): string[] {
  const runCell = runUrl !== undefined ? link('run', runUrl) : '–';
  const rows = gates.slice(0, cap).map((gate) => {
    const { verdict } = gate;
    if (!verdict) {
      return [markdownCode(gate.dir, CELL), '–', VERDICT_CELL['no verdict'], '–', '–', runCell];
    }
    if (gate.refused !== undefined) {
      // Its verdict.json is not taken: showing its pass or block would show what was refused.
      return [
        `${cell(verdict.command)} (${markdownCode(gate.dir, CELL)})`,
        subjectCell(verdict),
        '⚠️ refused',
        '–',
        '–',
        runCell,
      ];
    }
    return [
      `${cell(verdict.command)} (${markdownCode(gate.dir, CELL)})`,
      subjectCell(verdict),
      VERDICT_CELL[verdict.verdict],
      verdict.verdict === 'error' ? '–' : String(verdict.blocking.length),
      verdict.verdict === 'error' ? '–' : countsCell(verdict.counts),
      runCell,
    ];
  });
  const parts = [table(['Gate', 'Subject', 'Verdict', 'Blocking', 'Counted', 'Details'], rows)];
  if (gates.length > cap) parts.push(`…and ${gates.length - cap} more gates in verdict.json.`);
  return parts;
}

/** The row of one blocking entry: severity, id (linked when safe), resource, title, why. */
function itemRow(item: BlockingItem): string[] {
  return [
    item.severity ?? '–',
    link(item.id, item.url),
    markdownCode(item.resource, CELL),
    cell(item.title),
    cell(item.reason),
  ];
}

const ITEM_HEADERS = ['Severity', 'Id', 'Resource', 'Title', 'Why it blocks'];

/** The blocking findings of every gate, riskiest gate first as given, capped with "and N more". */
function blockingSection(gates: readonly GateResult[], cap: number): string[] {
  const entries = gates
    .filter((gate) => gate.refused === undefined)
    .flatMap((gate) =>
      (gate.verdict?.blocking ?? []).map((entry) => ({ gate, item: blockingItem(entry) })),
    );
  if (entries.length === 0) return [];
  const parts = [`### Blocking (${entries.length})`];
  if (cap > 0) {
    parts.push(
      table(
        ['Gate', ...ITEM_HEADERS],
        entries
          .slice(0, cap)
          .map(({ gate, item }) => [cell(gate.verdict?.command), ...itemRow(item)]),
      ),
    );
  }
  if (entries.length > cap) {
    parts.push(
      `…and ${entries.length - cap} more: every gate's verdict.json and summary.md have them all.`,
    );
  }
  return parts;
}

/**
 * `pass → block`, or the verdict alone when it does not change; a side whose policy does not
 * configure the gate says so.
 */
function verdictChange(changes: PolicyChanges): string {
  const without = changes.withoutSection ?? [];
  const side = (name: 'base' | 'pr') =>
    `${VERDICT_CELL[changes[name]]}${without.includes(name) ? ' (not configured)' : ''}`;
  return changes.base === changes.pr && without.length === 0
    ? `${VERDICT_CELL[changes.pr]} (unchanged)`
    : `${side('base')} → ${side('pr')}`;
}

/** What a policy without the gate's section means, said under the preview table. */
function withoutSectionNote(
  label: string,
  changes: PolicyChanges,
  policies: NonNullable<PrSummaryDetails['policies']>,
): string[] {
  return (changes.withoutSection ?? []).map((side) =>
    side === 'base'
      ? `${label}: ${markdownCode(policies.base.origin, CELL)} on the base branch has no \`tags.required\` section, so this gate was not configured there and blocked nothing: everything it blocks under this pull request's policy is new.`
      : `${label}: this pull request's ${markdownCode(policies.pr.origin, CELL)} has no \`tags.required\` section, so this gate is not configured under it and blocks nothing.`,
  );
}

/** One list of moved entries under its heading, capped. */
function movedList(title: string, items: readonly BlockingItem[], cap: number): string[] {
  if (items.length === 0) return [];
  const parts = [`${title} (${items.length})`];
  if (cap > 0) parts.push(table(ITEM_HEADERS, items.slice(0, cap).map(itemRow)));
  if (items.length > cap) parts.push(`…and ${items.length - cap} more.`);
  return parts;
}

/**
 * The policy preview: which two policies, one row per gate (the verdict under each, and how many
 * entries move), then per gate what the pull request's policy newly blocks and no longer blocks.
 * A gate whose preview failed says why: it is also why the summary fails.
 */
function previewSection(
  gates: readonly GateResult[],
  details: PrSummaryDetails,
  cap: number,
): string[] {
  const { policies } = details;
  if (!policies) return [];
  const name = (policy: { origin: string; sha256: string }) =>
    `${markdownCode(policy.origin, CELL)} (sha256 ${markdownCode(policy.sha256.slice(0, 12))})`;
  const parts = [
    '### Policy preview',
    `This pull request changes the policy: ${name(policies.base)} on the base branch → ${name(policies.pr)} here. Each gate's recorded findings are re-evaluated under both, at the time the gate ran.`,
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  const lists: string[] = [];
  const listed = gates.slice(0, Math.max(cap, MIN_LISTED));
  for (const gate of listed) {
    const label = `${cell(gate.verdict?.command ?? 'no verdict')} (${markdownCode(gate.dir, CELL)})`;
    const preview = gate.preview;
    if (!gate.verdict) {
      rows.push([label, '⚠️ no verdict: nothing to re-evaluate', '–', '–']);
    } else if (gate.refused !== undefined) {
      rows.push([label, '⚠️ refused (see above): not re-evaluated', '–', '–']);
    } else if (!preview || preview.status === 'not decided') {
      rows.push([label, '⚠️ the gate did not decide: nothing to re-evaluate', '–', '–']);
    } else if (preview.status === 'failed') {
      rows.push([label, `⚠️ could not preview: ${cell(preview.reason)}`, '–', '–']);
    } else {
      const { changes } = preview;
      notes.push(...withoutSectionNote(label, changes, policies));
      rows.push([
        label,
        verdictChange(changes),
        String(changes.newlyBlocks.length),
        String(changes.noLongerBlocks.length),
      ]);
      lists.push(
        ...movedList(`#### ${label}: newly blocks`, changes.newlyBlocks, cap),
        ...movedList(`#### ${label}: no longer blocks`, changes.noLongerBlocks, cap),
      );
    }
  }
  parts.push(table(['Gate', 'Verdict (base → this PR)', 'Newly blocks', 'No longer blocks'], rows));
  if (gates.length > listed.length) {
    parts.push(`…and ${gates.length - listed.length} more gates in verdict.json.`);
  }
  parts.push(...notes);
  if (
    rows.length > 0 &&
    lists.length === 0 &&
    gates.every((gate) => gate.preview?.status === 'previewed')
  ) {
    parts.push('The policy change blocks nothing new and unblocks nothing in these gates.');
  }
  parts.push(...lists);
  return parts;
}

/** The summary's problems (why it could not decide) as a list, capped. */
function problemList(message: string | undefined, cap: number): string[] {
  const [first, ...lines] = (message ?? 'no reason was recorded').split('\n');
  const shown = lines.slice(0, Math.max(cap, MIN_LISTED)).map((line) => `- ${cell(line)}`);
  if (lines.length > shown.length)
    shown.push(`- …and ${lines.length - shown.length} more in verdict.json`);
  return [markdownText(first), ...(shown.length > 0 ? [shown.join('\n')] : [])];
}

/** The paragraph under the headline: what the gates say for this pull request. */
function lead(verdict: ShownVerdict): string {
  const { counts } = verdict;
  if (verdict.verdict === 'error') return '**This summary could not decide, so it fails closed.**';
  if (verdict.verdict === 'block') {
    return `**${counts.block} of ${plural(counts.gates, 'gate')} ${counts.block === 1 ? 'blocks' : 'block'} this pull request.**`;
  }
  return `**Every gate passed** (${plural(counts.gates, 'gate')}).`;
}

/** The whole comment with lists capped at `cap` rows. */
function compose(
  verdict: ShownVerdict,
  details: PrSummaryDetails | undefined,
  reportDir: string | undefined,
  cap: number,
): string {
  const gates = verdict.counts.gates;
  const parts = [headline(verdict, gates > 0 ? plural(gates, 'gate') : 'the gates'), lead(verdict)];
  if (verdict.verdict === 'error') parts.push(...problemList(verdict.error, cap));
  if (details) {
    parts.push(
      '### Gates',
      ...gatesTable(details.gates, details.runUrl, Math.max(cap, MIN_LISTED)),
    );
    parts.push(...blockingSection(details.gates, cap));
    parts.push(...previewSection(details.gates, details, cap));
  }
  if (verdict.warnings.length > 0) {
    const warnings = verdict.warnings.slice(0, Math.max(cap, MIN_LISTED));
    parts.push('### Warnings', warnings.map((line) => `- ${cell(line)}`).join('\n'));
  }
  const policy = policyLine(verdict.policy, verdict.evaluatedAt);
  parts.push(
    reportDir
      ? `${policy} · this summary in ${markdownCode(reportDir)} (summary.md, verdict.json, evidence.json)`
      : policy,
  );
  return finishSummary(parts, fullDataIn(reportDir));
}

/**
 * The pull-request comment (and summary.md, and the job summary): the verdict first, the table
 * of gates (verdict, blocking count, counts per severity, a link to the run), what blocks, and,
 * when the policy changed, the preview of what the pull request's policy newly blocks and no
 * longer blocks. Every string from a gate's report (titles, ids, resources, reasons, URLs,
 * directories) goes through core/escape; lists shrink until the whole is at most
 * MAX_COMMENT_CHARS characters. `details` is undefined when the summary could not be made at all
 * (the policy did not load): then the headline and why.
 */
export function renderPrSummary(
  verdict: ShownVerdict,
  details: PrSummaryDetails | undefined,
  reportDir?: string,
): string {
  let text = '';
  for (const cap of ROW_CAPS) {
    text = compose(verdict, details, reportDir, cap);
    if (text.length <= MAX_COMMENT_CHARS) return text;
  }
  return text;
}
