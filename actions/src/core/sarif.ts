import { VERSION as version } from './version';
import type { Severity } from './model';

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
