/**
 * The ssm-role-fixer's settings, from the environment variables infra/modules/ssm-role-fixer
 * sets (docs/ssm-role-fixer.md lists them). Pure: reads only the environment it is given.
 */
import { ConfigurationError } from '../../core/errors';
import { destinationsFrom, type Destinations } from '../destinations';
import { setting } from '../environment';

/** Where reports go: the variables finding-alert reads too (lambda/destinations). */
export { SLACK_PARAMETER_ENV, SLACK_URL_ENV, TOPIC_ENV } from '../destinations';

/** Role names the fixer leaves alone, comma-separated (IAM role names, any case). */
export const EXCEPTIONS_ENV = 'ASSETGUARD_SSM_FIXER_EXCEPTIONS';
/** `true`: an instance with no instance profile gets the default one. Default `false`. */
export const CREATE_DEFAULT_ENV = 'ASSETGUARD_SSM_FIXER_CREATE_DEFAULT_PROFILE';
/** The default role's name (created if missing when CREATE_DEFAULT_ENV is true). */
export const DEFAULT_ROLE_ENV = 'ASSETGUARD_SSM_FIXER_DEFAULT_ROLE';
/** The default instance profile's name; unset: the default role's name. */
export const DEFAULT_PROFILE_ENV = 'ASSETGUARD_SSM_FIXER_DEFAULT_PROFILE';

/** The default role and profile name when DEFAULT_ROLE_ENV is unset. */
export const DEFAULT_ROLE_NAME = 'assetguard-ssm-managed-instance';

/** The fixer's settings; `topicArn` and `slack` (at least one) say where reports go. */
export interface FixerConfig extends Destinations {
  /** Role names left alone, lower-cased (IAM role names are unique regardless of case). */
  exceptions: string[];
  /** Create (or reuse) and associate the default profile for instances with none. */
  createDefaultProfile: boolean;
  defaultRoleName: string;
  defaultProfileName: string;
}

/** IAM role and instance profile names: 1–64 of letters, digits and `+=,.@_-`. */
const IAM_NAME = /^[\w+=,.@-]{1,64}$/;

function iamName(value: string, variable: string): string {
  if (!IAM_NAME.test(value)) {
    throw new ConfigurationError(
      `${variable}: ${JSON.stringify(value.slice(0, 80))} is not an IAM role or instance profile name (1-64 of letters, digits and +=,.@_-)`,
    );
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const value = setting(env, name);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigurationError(`${name}: "${value}" is not true or false`);
}

/**
 * The settings from the Lambda's environment: ASSETGUARD_SSM_FIXER_EXCEPTIONS,
 * ASSETGUARD_SSM_FIXER_CREATE_DEFAULT_PROFILE (true/false, default false),
 * ASSETGUARD_SSM_FIXER_DEFAULT_ROLE, ASSETGUARD_SSM_FIXER_DEFAULT_PROFILE, and where reports go:
 * ASSETGUARD_ALERT_TOPIC_ARN and/or one of ASSETGUARD_SLACK_WEBHOOK_PARAMETER,
 * ASSETGUARD_SLACK_WEBHOOK_URL (at least one destination: a fixer that cannot say it failed
 * would fail silently; lambda/destinations `destinationsFrom`).
 * @throws ConfigurationError naming the variable.
 */
export function configFrom(env: NodeJS.ProcessEnv = process.env): FixerConfig {
  const exceptions = (setting(env, EXCEPTIONS_ENV) ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .map((name) => iamName(name, EXCEPTIONS_ENV).toLowerCase());
  const defaultRoleName = iamName(
    setting(env, DEFAULT_ROLE_ENV) ?? DEFAULT_ROLE_NAME,
    DEFAULT_ROLE_ENV,
  );
  const defaultProfileName = iamName(
    setting(env, DEFAULT_PROFILE_ENV) ?? defaultRoleName,
    DEFAULT_PROFILE_ENV,
  );
  const destinations = destinationsFrom(env, {
    what: 'report',
    why: 'so that what the fixer cannot fix reaches a person',
  });
  return {
    exceptions: [...new Set(exceptions)],
    createDefaultProfile: flag(env, CREATE_DEFAULT_ENV),
    defaultRoleName,
    defaultProfileName,
    ...destinations,
  };
}
