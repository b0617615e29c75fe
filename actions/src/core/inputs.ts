/** An input declared once and shared by action.yml, the CLI flag of the same name and the docs. */
export interface InputSpec {
  description: string;
  required?: boolean;
  default?: string;
  /** A list: comma- or newline-separated in actions; a repeatable flag on the CLI. */
  multiple?: boolean;
  /** A boolean: 'true'/'false' in actions; a bare flag (--name) on the CLI. */
  flag?: boolean;
}

export type InputSpecs = Record<string, InputSpec>;

/** Reads raw values by input name: core.getInput for actions, parsed flags for the CLI. */
export type InputReader = (name: string) => string | undefined;

/**
 * Reads one input: trimmed, with '' meaning "not given" (the runner passes unset inputs as ''),
 * and the declared default applied.
 */
export function readInput(specs: InputSpecs, read: InputReader, name: string): string | undefined {
  const value = read(name)?.trim();
  if (value !== undefined && value !== '') return value;
  return specs[name]?.default;
}

/** Splits a list input on commas and newlines, dropping empty entries. */
export function listInput(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
