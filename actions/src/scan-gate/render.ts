import { markdownCode, markdownLink, markdownText } from '../core/escape';
import {
  blockingSection,
  closingSections,
  GATE_REPORT_NAMES,
  finishSummary,
  fullDataIn,
  gateSummaryHead,
  sarifCutNote,
  type GateWords,
} from '../core/markdown';
import type { Finding } from '../core/model';
import {
  sarifDecisions,
  sarifLocation,
  type SarifDecision,
  type SarifEntry,
  type SarifSource,
} from '../core/sarif';
import type { ImageSubject, ImageVerdict } from './evaluate';

/** How the scan gate names what it counts, in its summary and its outcome line. */
export const IMAGE_WORDS: GateWords = {
  noun: 'finding',
  counted: 'ACTIVE finding',
  where: 'in all',
};

/** `repo@sha256:…` once the image is resolved, else the reference as given (`image` if none). */
export function imageName(subject: Partial<ImageSubject>): string {
  const { repository, digest } = subject;
  return repository && digest ? `${repository}@${digest}` : (subject.image ?? 'image');
}

function subjectName(subject: Partial<ImageSubject>): string {
  const { repository, digest, tag, image } = subject;
  if (repository && digest) {
    return `${markdownCode(`${repository}@${digest.slice(0, 19)}…`)}${tag ? ` (${markdownText(tag)})` : ''}`;
  }
  return image ? markdownCode(image) : 'no image (the inputs did not parse)';
}

/**
 * summary.md and the job summary (Markdown): the verdict first, then counts, then what blocks
 * and why (at most MAX_SUMMARY_ROWS rows), then exceptions, warnings and where the reports are.
 * Every value from AWS or the user is escaped (core/escape); the whole is bounded
 * (`finishSummary`).
 */
export function renderImageSummary(verdict: ImageVerdict, reportDir?: string): string {
  const parts = gateSummaryHead(verdict, subjectName(verdict.subject), IMAGE_WORDS);
  parts.push(
    ...blockingSection(
      verdict,
      '### Blocking findings',
      ['Severity', 'Vulnerability', 'Package', 'Installed', 'Fixed in', 'Why it blocks'],
      (entry) => {
        const pkg = entry.packages[0];
        const more = entry.packages.length > 1 ? ` (+${entry.packages.length - 1})` : '';
        return [
          markdownText(entry.severity),
          markdownLink(entry.id, entry.url),
          pkg ? `${markdownText(pkg.name)}${more}` : '–',
          markdownText(pkg?.installedVersion),
          pkg?.fixedVersion ? markdownText(pkg.fixedVersion) : 'no fix yet',
          markdownText(entry.reason),
        ];
      },
    ),
  );
  // results.sarif has every ACTIVE finding, which is what the counts are over.
  if (verdict.verdict !== 'error') parts.push(...sarifCutNote(verdict.counts.total));
  parts.push(...closingSections(verdict, reportDir, GATE_REPORT_NAMES));
  return finishSummary(parts, fullDataIn(reportDir));
}

/** SARIF levels, by code (1 + index) in imageSarifSource's cache of decisions. */
const LEVELS: readonly SarifDecision['level'][] = ['error', 'warning', 'note'];

/**
 * Every ACTIVE finding as a SARIF result: blocking ones as errors, excepted ones suppressed (core/
 * sarif `sarifDecisions`, matched to verdict entries by id). Image findings have no source line:
 * alerts go on `file`, by default the policy file the verdict was decided by (where an
 * exception lands), or the workflow file when the built-in default applied (`sarifLocation`).
 * A SarifSource for `toSarif`: a result's message and fingerprint are made only if the run keeps
 * it (at most 25,000 of them).
 */
export function imageSarifSource(
  verdict: ImageVerdict,
  findings: readonly Finding[],
  file: string | undefined = sarifLocation(verdict.policy.origin),
): SarifSource {
  const decide = sarifDecisions(verdict, (entry) => entry.id);
  const { repository = '', digest = '' } = verdict.subject;
  const active = findings.filter((finding) => finding.status === 'ACTIVE');
  const at = (index: number): Finding => active[index] as Finding;
  // Decided once per finding: rank reads every one, entry the kept ones again. Kept as a level
  // code per finding (and the few suppressions by index), not as 100,000 objects that would
  // outlive several scavenges.
  const levels = new Uint8Array(active.length);
  const suppressed = new Map<number, string>();
  const levelOf = (index: number): SarifDecision['level'] => {
    let code = levels[index] as number;
    if (code === 0) {
      const decision = decide(at(index));
      code = LEVELS.indexOf(decision.level) + 1;
      levels[index] = code;
      if (decision.suppressedBecause !== undefined) {
        suppressed.set(index, decision.suppressedBecause);
      }
    }
    return LEVELS[code - 1] as SarifDecision['level'];
  };
  return {
    total: active.length,
    rank: (index) => {
      const finding = at(index);
      return { level: levelOf(index), severity: finding.severity, score: finding.score };
    },
    entry: (index): SarifEntry => {
      const finding = at(index);
      const pkg = finding.packages[0];
      const pkgText = pkg
        ? ` in ${pkg.name} ${pkg.installedVersion ?? ''}${pkg.fixedVersion ? ` (fixed in ${pkg.fixedVersion})` : ' (no fix yet)'}`
        : '';
      return {
        ruleId: finding.id,
        title: finding.title,
        ...(finding.description !== undefined && { description: finding.description }),
        ...(finding.url !== undefined && { helpUri: finding.url }),
        severity: finding.severity,
        ...(finding.score !== undefined && { score: finding.score }),
        level: levelOf(index),
        ...(suppressed.has(index) && { suppressedBecause: suppressed.get(index) }),
        message: `${finding.severity} ${finding.id}${pkgText} in image ${repository}@${digest}`,
        ...(file !== undefined && { file }),
        fingerprint: `${finding.id}/${pkg?.name ?? ''}/${repository}`,
        tags: ['container', finding.severity.toLowerCase()],
      };
    },
  };
}

/** imageSarifSource's results, every one built (for tests and small runs). */
export function imageSarifEntries(
  verdict: ImageVerdict,
  findings: readonly Finding[],
  file: string | undefined = sarifLocation(verdict.policy.origin),
): SarifEntry[] {
  const source = imageSarifSource(verdict, findings, file);
  return Array.from({ length: source.total }, (_, index) => source.entry(index));
}
