import { VERSION as version } from './version';
import { exceptionMatches } from './exceptions';
import type { Finding, Severity } from './model';
import type { AnyVerdict } from './verdict';

/** One result to report, already decided: renderers never re-evaluate policy. */
export interface SarifEntry {
  ruleId: string;
  title: string;
  description?: string;
  helpUri?: string;
  severity: Severity;
  /** 0..10; when absent a representative score for the severity is used. */
  score?: number;
  level: 'error' | 'warning' | 'note';
  message: string;
  /** Repository-relative file the alert is shown on. */
  uri: string;
  /** Set for findings an exception covers: GitHub shows them as dismissed, not open. */
  suppressedBecause?: string;
  fingerprint: string;
  tags?: string[];
}

/** How code scanning shows one result, decided from the verdict alone. */
export type SarifDecision = Pick<SarifEntry, 'level' | 'suppressedBecause'>;

/**
 * The SARIF level rule every gate uses, read off its verdict: a result an exception covers is a
 * suppressed `note`; a blocking one is an `error`; a MEDIUM one a `warning`; anything else a
 * `note`. `keyOf` says which verdict entry is about which finding (the image gate: by id; the
 * compliance gate: by id and resource); it is applied to the verdict's entries and to
 * `{ id, resource: finding.resource.id }`. Lookups are by key, so this stays linear in the
 * number of findings (the bench renders 100k).
 */
export function sarifDecisions(
  verdict: AnyVerdict,
  keyOf: (entry: { id: string; resource: string }) => string,
): (finding: Finding) => SarifDecision {
  const blocking = new Set(verdict.blocking.map(keyOf));
  const excepted = new Map<string, AnyVerdict['excepted'][number]['exception']>();
  for (const entry of verdict.excepted) {
    const key = keyOf(entry);
    if (!excepted.has(key)) excepted.set(key, entry.exception);
  }
  return (finding) => {
    const key = keyOf({ id: finding.id, resource: finding.resource.id });
    const exception = excepted.get(key);
    if (exception && exceptionMatches(exception, finding)) {
      return {
        level: 'note',
        suppressedBecause: `${exception.reason} (owner ${exception.owner}, expires ${exception.expires})`,
      };
    }
    if (blocking.has(key)) return { level: 'error' };
    return { level: finding.severity === 'MEDIUM' ? 'warning' : 'note' };
  };
}

/** GitHub maps security-severity to its labels: ≥9 critical, ≥7 high, ≥4 medium, >0 low. */
const REPRESENTATIVE_SCORE: Record<Severity, number> = {
  CRITICAL: 9.5,
  HIGH: 8.0,
  MEDIUM: 5.5,
  LOW: 2.0,
  INFORMATIONAL: 0.0,
  UNTRIAGED: 5.0,
};

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri?: string;
  help: { text: string };
  properties: { 'security-severity': string; tags: string[] };
}

/** Renders results as SARIF 2.1.0 for GitHub code scanning (one rule per distinct id). */
export function toSarif(entries: readonly SarifEntry[], category: string): string {
  const rules = new Map<string, SarifRule>();
  for (const entry of entries) {
    if (rules.has(entry.ruleId)) continue;
    const score = entry.score ?? REPRESENTATIVE_SCORE[entry.severity];
    rules.set(entry.ruleId, {
      id: entry.ruleId,
      name: entry.ruleId.replace(/[^A-Za-z0-9]/g, ''),
      shortDescription: { text: entry.title.slice(0, 1000) },
      fullDescription: { text: (entry.description ?? entry.title).slice(0, 4000) },
      ...(entry.helpUri !== undefined && { helpUri: entry.helpUri }),
      help: { text: entry.helpUri ? `${entry.title}\n\nMore: ${entry.helpUri}` : entry.title },
      properties: {
        'security-severity': score.toFixed(1),
        tags: ['security', ...(entry.tags ?? [])],
      },
    });
  }
  const ruleIndex = new Map([...rules.keys()].map((id, index) => [id, index]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'assetguard',
            informationUri: 'https://github.com/assetguard/assetguard',
            semanticVersion: version,
            rules: [...rules.values()],
          },
        },
        automationDetails: { id: `${category}/` },
        results: entries.map((entry) => ({
          ruleId: entry.ruleId,
          ruleIndex: ruleIndex.get(entry.ruleId) ?? -1,
          level: entry.level,
          message: { text: entry.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: entry.uri },
                region: { startLine: 1 },
              },
            },
          ],
          partialFingerprints: { 'assetguard/v1': entry.fingerprint },
          ...(entry.suppressedBecause !== undefined && {
            suppressions: [{ kind: 'external', justification: entry.suppressedBecause }],
          }),
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
