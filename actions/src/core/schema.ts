import type { ErrorObject } from 'ajv';

/**
 * One JSON Schema (ajv) error in a user's words: where (a JSON pointer, or "(top level)") and
 * what is wrong, naming an unknown key. Shared by every schema-checked file assetguard reads.
 */
export function schemaProblem(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(top level)' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    return `${where}: unknown key ${JSON.stringify(params.additionalProperty)}`;
  }
  return `${where}: ${error.message ?? 'is invalid'}`;
}
