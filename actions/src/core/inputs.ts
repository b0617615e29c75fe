import { ConfigurationError } from './errors';

/**
 * Where the policy is read from unless the policy input says otherwise: declared here once (with
 * the inputs, so an input parser needs no more than this module),
 * used as the `policy` input's default of every command, and applied by `readInput`.
 */
export const DEFAULT_POLICY_PATH = '.github/assetguard.yml';

/** An input declared once and shared by action.yml, the CLI flag of the same name and the docs. */
export interface InputSpec {
  description: string;
  required?: boolean;
  default?: string;
  /** A list: comma- or newline-separated in actions; a repeatable flag on the CLI. */
  multiple?: boolean;
  /** A boolean: 'true'/'false' in actions; a bare flag (--name) on the CLI. */
  flag?: boolean;
  /**
   * A credential (token, webhook URL, SMTP URL with a password): masked in the Actions log
   * (`core.setSecret`), recorded in evidence as `***`, and on the CLI read from `env` when the
   * flag is not given, so it need not appear in a shell's history.
   */
  secret?: { env: string };
}

export type InputSpecs = Record<string, InputSpec>;

/**
 * The inputs of a command the shared runner runs: it must declare where its reports go, with a
 * default, so that even a run whose inputs cannot be parsed writes them somewhere known.
 */
export type CommandInputSpecs = InputSpecs & { 'output-dir': InputSpec & { default: string } };

/**
 * An action's outputs, declared once: output name → description. action.yml is checked against
 * these tables in tests, and `setOutputs` (sinks/github) writes exactly these names.
 */
export type OutputSpecs = Readonly<Record<string, string>>;

/** One value per declared output: numbers are written as their decimal text, '' means "none". */
export type OutputValues<O extends OutputSpecs> = { readonly [Name in keyof O]: string | number };

/** Reads raw values by input name: core.getInput for actions, parsed flags for the CLI. */
export type InputReader = (name: string) => string | undefined;

/** The type `readInput` gives an input: a string when the spec declares a default. */
export type InputValue<Spec> = Spec extends { default: string } ? string : string | undefined;

/**
 * Reads one input: trimmed, with '' meaning "not given" (the runner passes unset inputs as ''),
 * and the declared default applied. This is the one place declared defaults are applied, so an
 * input with a default is typed `string`, never `string | undefined`.
 */
export function readInput<Specs extends InputSpecs, Name extends keyof Specs & string>(
  specs: Specs,
  read: InputReader,
  name: Name,
): InputValue<Specs[Name]> {
  const value = read(name)?.trim();
  // The conditional type cannot be narrowed by a runtime check; the spec guarantees it.
  return (value !== undefined && value !== '' ? value : specs[name]?.default) as InputValue<
    Specs[Name]
  >;
}

/** Splits a list input on commas and newlines, dropping empty entries. */
export function listInput(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/**
 * Checks the output-dir input (a directory path, relative to the working directory or absolute).
 * Line breaks and NUL cannot be part of a path the reports can be written to.
 * @throws ConfigurationError naming the input.
 */
export function parseOutputDir(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000\r\n]/.test(value)) {
    throw new ConfigurationError(
      `output-dir: ${JSON.stringify(value)} is not a directory path (it holds a line break or NUL)`,
    );
  }
  return value;
}

/**
 * Where a run whose inputs could not be parsed writes its reports: the output-dir input when it
 * parses on its own, else its declared default.
 */
export function fallbackOutputDir(specs: CommandInputSpecs, read: InputReader): string {
  try {
    return parseOutputDir(readInput(specs, read, 'output-dir'));
  } catch {
    return specs['output-dir'].default;
  }
}

/**
 * The inputs of a command whose summary may be kept as a pull-request comment (both gates):
 * sinks/github `runInAction` comments when the command declares them.
 */
export const PULL_REQUEST_COMMENT_INPUTS = {
  'github-token': {
    description:
      "A token that may comment on pull requests (the workflow's GITHUB_TOKEN with pull-requests: write). On pull_request and pull_request_target events the summary is kept as one comment on the pull request, updated in place. Not given: no comment.",
    secret: { env: 'GITHUB_TOKEN' },
  },
  'pr-comment': {
    description:
      'With github-token on a pull request: true keeps the summary as a pull request comment, false posts none. A failure to comment is a warning; the verdict stands.',
    default: 'true',
  },
} satisfies InputSpecs;

/** What evidence records of a secret input that was given: never the value. */
export const REDACTED = '***';

/**
 * The inputs as evidence.json records them, with every secret input (InputSpec.secret) that has a
 * value replaced by REDACTED. The one place recorded inputs are redacted: the runner applies it to
 * every command's recorded inputs, parsed or raw.
 */
export function redactSecrets(
  specs: InputSpecs,
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      specs[name]?.secret && value !== undefined && value !== '' ? REDACTED : value,
    ]),
  );
}

/** A repository's owner and name on GitHub. */
export interface RepositoryName {
  owner: string;
  repo: string;
}

/** GitHub's owner and repository names: letters, digits, `-`, `_` and `.`, but not `.` or `..`. */
const REPOSITORY_PART = /^[\w.-]+$/;

/**
 * `owner/name` (an input, GITHUB_REPOSITORY or an event payload's repository) as its two parts,
 * or undefined when it is not one: an empty part, a third part, a character GitHub does not
 * allow in a name, or a part that is `.` or `..` (which a URL would resolve as a path step, so
 * `../..` would send the token to another API path).
 */
export function parseRepositoryName(text: string): RepositoryName | undefined {
  const [owner = '', repo = '', ...rest] = text.split('/');
  const valid = (part: string): boolean =>
    REPOSITORY_PART.test(part) && part !== '.' && part !== '..';
  return rest.length === 0 && valid(owner) && valid(repo) ? { owner, repo } : undefined;
}
