import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import sarifSchema from './sarif-schema-2.1.0.json';

// The official OASIS SARIF 2.1.0 schema (JSON Schema draft-04), as GitHub code scanning expects.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validateSarif = ajv.compile(sarifSchema);

export interface SarifLog {
  version: string;
  runs: {
    tool: { driver: { rules: { id: string; properties: Record<string, unknown> }[] } };
    results: {
      ruleId: string;
      level: string;
      message: { text: string };
      suppressions?: unknown[];
    }[];
  }[];
}

/** Returns the schema errors of a SARIF log as readable strings (empty when valid). */
export function sarifErrors(log: unknown): string[] {
  if (validateSarif(log)) return [];
  return (validateSarif.errors ?? []).map(
    (error) => `${error.instancePath} ${error.message ?? ''}`,
  );
}
