/**
 * The build-time check of the control mapping table (controls.json): its JSON Schema and the
 * cross-entry rules the schema cannot express. Run by scripts/validators.ts on every build and
 * by the tests; no bundle imports it (core/controls ships the table already checked).
 */
import Ajv, { type ErrorObject } from 'ajv';
import type { ControlsData } from './controls';
import schema from './controls.schema.json';

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`)
    .join('; ');
}

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) repeated.add(value);
    seen.add(value);
  }
  return [...repeated];
}

/**
 * Checks a candidate table against controls.schema.json (ajv, all errors, strict) and the rules
 * across entries: unique Security Hub control ids, Config rule identifiers and rule names.
 * @returns the candidate, typed, when it passes.
 * @throws Error naming `origin` and every schema error (`/controls/0/severity must be equal to
 *   one of the allowed values`), or, for a table that matches the schema, every repeated id or
 *   name (`Config rule name x appears more than once`).
 */
export function validateControlsData(candidate: unknown, origin = 'controls.json'): ControlsData {
  const validate = new Ajv({ allErrors: true, strict: true }).compile<ControlsData>(schema);
  if (!validate(candidate)) {
    throw new Error(`${origin} does not match controls.schema.json: ${describe(validate.errors)}`);
  }
  const table = candidate;
  const identifiers = [
    ...table.controls.map((control) => control.configRuleIdentifier),
    ...table.otherRules.map((rule) => rule.configRuleIdentifier),
  ].filter((identifier): identifier is string => identifier !== null);
  const problems = [
    ...duplicates(table.controls.map((control) => control.securityHubControl)).map(
      (id) => `Security Hub control ${id} appears more than once`,
    ),
    ...duplicates(identifiers).map((id) => `Config rule identifier ${id} appears more than once`),
    ...duplicates([
      ...table.controls.map((control) => control.configRuleName),
      ...table.otherRules.map((rule) => rule.configRuleName),
    ]).map((name) => `Config rule name ${name} appears more than once`),
  ];
  if (problems.length > 0) throw new Error(`${origin} is inconsistent: ${problems.join('; ')}`);
  return table;
}
