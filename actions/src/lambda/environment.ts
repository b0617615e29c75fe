/**
 * The Lambdas' settings are environment variables their Terraform module sets; an optional one
 * it has no value for is passed empty, so blank and unset mean the same. Pure: reads only the
 * environment it is given.
 */

/** The variable's value without surrounding white space; undefined when it is unset or blank. */
export function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}
