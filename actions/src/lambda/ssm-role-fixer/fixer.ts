/**
 * What the ssm-role-fixer does to one instance, through EC2 and IAM:
 *
 * instance (ec2 DescribeInstances: it must exist, and not be terminated) → its current IAM
 * instance profile association (ec2 DescribeIamInstanceProfileAssociations, `associating` or
 * `associated`) → the profile's role (iam GetInstanceProfile) →
 * the role's attached managed policies (iam ListAttachedRolePolicies, every page) → attach
 * AmazonSSMManagedInstanceCore to that same role when it is missing (iam AttachRolePolicy).
 *
 * It never replaces or disassociates a profile: no code path here calls those EC2 APIs. Only an
 * instance with no profile at all, and only when the configuration allows it, gets the default
 * profile (created or reused, with its role holding the policy) through
 * AssociateIamInstanceProfile. A role on the exceptions list is left alone; a profile with no
 * role, or an instance with several associations, is reported and not touched. Running it twice
 * changes nothing the second time.
 */
import {
  AssociateIamInstanceProfileCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstancesCommand,
  paginateDescribeIamInstanceProfileAssociations,
  type EC2Client,
  type IamInstanceProfileAssociation,
} from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import { parseArn, partitionOf } from '../../core/arn';
import type { LazyClient } from '../../core/aws';
import { UndecidedError, awsFailure, hasAwsCode } from '../../core/errors';
import type { FixerConfig } from './config';

/** The AWS managed policy Systems Manager needs on an instance's role (Security Hub SSM.1). */
export const SSM_POLICY_NAME = 'AmazonSSMManagedInstanceCore';

/** The policy's ARN in a partition: `arn:<partition>:iam::aws:policy/AmazonSSMManagedInstanceCore`. */
export function ssmPolicyArn(partition: string): string {
  return `arn:${partition}:iam::aws:policy/${SSM_POLICY_NAME}`;
}

/**
 * What happened to the instance:
 * - `attached`: the policy was attached to the role of its instance profile;
 * - `already-attached`: the role has it; nothing changed;
 * - `excepted`: the role is on the exceptions list; nothing changed;
 * - `default-associated`: it had no profile; the default one was associated (and created);
 * - `no-profile`: it has no profile and creating one is not allowed; nothing changed;
 * - `unusable-profile`: several associations, a profile with no role or several, or a default
 *   profile that holds another role; nothing changed;
 * - `instance-not-found`: EC2 in the function's region does not know the instance (an event
 *   of another account or region, or a wrong id); nothing read further, nothing changed;
 * - `instance-gone`: the instance is shutting down or terminated; nothing changed.
 */
export type FixStatus =
  | 'attached'
  | 'already-attached'
  | 'excepted'
  | 'default-associated'
  | 'no-profile'
  | 'unusable-profile'
  | 'instance-not-found'
  | 'instance-gone';

/** The outcomes a person has to act on: reported to Slack/SNS. */
export const NEEDS_ATTENTION: readonly FixStatus[] = [
  'no-profile',
  'unusable-profile',
  'instance-not-found',
];

export interface FixResult {
  instanceId: string;
  status: FixStatus;
  /** What was found and done, in words, for the log and the report. */
  reason: string;
  profileArn?: string;
  roleName?: string;
  policyArn?: string;
  /** The association made (`default-associated`). */
  associationId?: string;
  /** What `default-associated` created now: `role`, `instance profile`. */
  created?: string[];
}

export interface FixerClients {
  ec2: EC2Client;
  /**
   * Built on the first IAM call (core/aws `LazyClient`), as each function below loads the
   * commands it sends by `import()`: in the bundle the IAM package is a chunk file, parsed after
   * the instance is described (the Lambda's first request), and not at all for an instance that
   * needs nothing. A test gives its own client as `() => Promise.resolve(client)`.
   */
  iam: LazyClient<IAMClient>;
  /** Waits between attempts to associate a just-created profile (injectable for tests). */
  sleep: (ms: number) => Promise<void>;
}

/**
 * Waits before each retry of AssociateIamInstanceProfile while EC2 does not see a just-created
 * instance profile yet (IAM is eventually consistent: EC2 answers InvalidParameterValue for a
 * profile name it cannot resolve for some seconds). 15 s in all, inside the 30 s timeout.
 */
export const ASSOCIATE_RETRY_DELAYS_MS = [1000, 2000, 4000, 4000, 4000];

/**
 * Waits before each new DescribeInstances while EC2 answers InvalidInstanceID.NotFound: EC2's
 * API is eventually consistent, and an id can be unknown to a read for a moment after launch.
 * 3 s in all; an instance still unknown then is `instance-not-found`.
 */
export const INSTANCE_LOOKUP_RETRY_DELAYS_MS = [1000, 2000];

/** Instance states after which there is nothing to fix. */
const GONE_STATES = ['shutting-down', 'terminated'];

/** EC2's states of an association that holds (or is about to hold) a profile. */
const LIVE_STATES = ['associating', 'associated'];

const PROFILE_ARN = /^arn:[^:]+:iam::\d{12}:instance-profile\/(?:[^/]+\/)*([\w+=,.@-]{1,128})$/;

/** The role an EC2 instance profile holds, as IAM reports it. */
interface ProfileRole {
  name: string;
  arn: string;
}

/** IAM's query protocol names an error `NoSuchEntity`; the SDK's class is `…Exception`. */
function iamError(error: unknown, code: string): boolean {
  return hasAwsCode(error, code) || hasAwsCode(error, `${code}Exception`);
}

function answerProblem(what: string, field: string, problem: string): UndecidedError {
  return new UndecidedError(`could not ${what}: the answer's ${field} ${problem}`);
}

/** The partition of an ARN, else the region's. */
function partitionFrom(arn: string | undefined, region: string): string {
  const parsed = arn === undefined ? undefined : parseArn(arn);
  return parsed?.partition || partitionOf(region);
}

/**
 * The instance's current associations, validated: only `associating` and `associated` ones (a
 * replaced or removed association lingers as `disassociating`/`disassociated`; the state is
 * checked here too, not only asked of the server).
 * @throws AwsError naming ec2:DescribeIamInstanceProfileAssociations; UndecidedError for an
 *   answer without an association id or a profile ARN, or about another instance.
 */
async function associationsOf(
  clients: FixerClients,
  instanceId: string,
): Promise<{ associationId: string; profileArn: string; state: string }[]> {
  const what = `read the instance profile association of ${instanceId}`;
  const found: IamInstanceProfileAssociation[] = [];
  try {
    for await (const page of paginateDescribeIamInstanceProfileAssociations(
      { client: clients.ec2 },
      {
        Filters: [
          { Name: 'instance-id', Values: [instanceId] },
          { Name: 'state', Values: LIVE_STATES },
        ],
      },
    )) {
      if (!Array.isArray(page.IamInstanceProfileAssociations)) {
        throw answerProblem(what, 'IamInstanceProfileAssociations', 'is missing');
      }
      found.push(...page.IamInstanceProfileAssociations);
    }
  } catch (error) {
    throw awsFailure(
      what,
      `ec2:DescribeIamInstanceProfileAssociations (instance ${instanceId})`,
      error,
    );
  }
  return found.flatMap((association, index) => {
    const at = `IamInstanceProfileAssociations[${index}]`;
    if (association.InstanceId !== undefined && association.InstanceId !== instanceId) {
      throw answerProblem(what, `${at}.InstanceId`, `is ${association.InstanceId}`);
    }
    const state = association.State ?? '';
    if (!LIVE_STATES.includes(state)) return [];
    const associationId = association.AssociationId;
    if (typeof associationId !== 'string' || associationId === '') {
      throw answerProblem(what, `${at}.AssociationId`, 'is missing');
    }
    const profileArn = association.IamInstanceProfile?.Arn;
    if (typeof profileArn !== 'string' || !PROFILE_ARN.test(profileArn)) {
      throw answerProblem(what, `${at}.IamInstanceProfile.Arn`, 'is not an instance profile ARN');
    }
    return [{ associationId, profileArn, state }];
  });
}

/**
 * The instance's state name (`running`, `terminated`…), or undefined when EC2 does not know the
 * instance (InvalidInstanceID.NotFound after the waits of INSTANCE_LOOKUP_RETRY_DELAYS_MS, or an
 * answer that does not list it).
 * @throws AwsError naming ec2:DescribeInstances; UndecidedError for an answer without its
 *   Reservations, or whose instance has no state.
 */
async function instanceState(
  clients: FixerClients,
  instanceId: string,
): Promise<string | undefined> {
  const what = `find instance ${instanceId}`;
  for (let attempt = 0; ; attempt += 1) {
    let answer;
    try {
      answer = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    } catch (error) {
      if (!hasAwsCode(error, 'InvalidInstanceID.NotFound')) {
        throw awsFailure(what, `ec2:DescribeInstances (instance ${instanceId})`, error);
      }
      const delay = INSTANCE_LOOKUP_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) return undefined;
      await clients.sleep(delay);
      continue;
    }
    if (!Array.isArray(answer.Reservations)) {
      throw answerProblem(what, 'Reservations', 'is missing');
    }
    const instance = answer.Reservations.flatMap((reservation) => reservation.Instances ?? []).find(
      (candidate) => candidate.InstanceId === instanceId,
    );
    if (instance === undefined) return undefined;
    const state: unknown = instance.State?.Name;
    if (typeof state !== 'string' || state === '') {
      throw answerProblem(what, `instance ${instanceId}'s State.Name`, 'is missing');
    }
    return state;
  }
}

/**
 * The instance an association belongs to (a Replace record that lacks its response names only
 * the replaced association); undefined when EC2 no longer knows the association.
 * @throws AwsError naming ec2:DescribeIamInstanceProfileAssociations.
 */
export async function instanceOfAssociation(
  clients: Pick<FixerClients, 'ec2'>,
  associationId: string,
): Promise<string | undefined> {
  try {
    const answer = await clients.ec2.send(
      new DescribeIamInstanceProfileAssociationsCommand({ AssociationIds: [associationId] }),
    );
    const instance = answer.IamInstanceProfileAssociations?.find(
      (association) => association.AssociationId === associationId,
    )?.InstanceId;
    return typeof instance === 'string' && instance !== '' ? instance : undefined;
  } catch (error) {
    if (hasAwsCode(error, 'InvalidAssociationID.NotFound')) return undefined;
    throw awsFailure(
      `find the instance of association ${associationId}`,
      `ec2:DescribeIamInstanceProfileAssociations (association ${associationId})`,
      error,
    );
  }
}

/**
 * The roles an instance profile holds (IAM allows one), or undefined when it does not exist.
 * @throws AwsError naming iam:GetInstanceProfile; UndecidedError for a role without name or ARN.
 */
async function rolesOf(
  clients: FixerClients,
  profileName: string,
): Promise<{ arn?: string; roles: ProfileRole[] } | undefined> {
  const what = `read instance profile ${profileName}`;
  const { GetInstanceProfileCommand } = await import('@aws-sdk/client-iam');
  const iam = await clients.iam();
  let answer;
  try {
    answer = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profileName }));
  } catch (error) {
    if (iamError(error, 'NoSuchEntity')) return undefined;
    throw awsFailure(what, `iam:GetInstanceProfile on instance profile ${profileName}`, error);
  }
  const profile = answer.InstanceProfile;
  if (profile === undefined) throw answerProblem(what, 'InstanceProfile', 'is missing');
  if (!Array.isArray(profile.Roles))
    throw answerProblem(what, 'InstanceProfile.Roles', 'is missing');
  const roles = profile.Roles.map((role, index) => {
    if (typeof role.RoleName !== 'string' || role.RoleName === '') {
      throw answerProblem(what, `InstanceProfile.Roles[${index}].RoleName`, 'is missing');
    }
    if (typeof role.Arn !== 'string' || parseArn(role.Arn) === undefined) {
      throw answerProblem(what, `InstanceProfile.Roles[${index}].Arn`, 'is not an ARN');
    }
    return { name: role.RoleName, arn: role.Arn };
  });
  return { ...(profile.Arn !== undefined && { arn: profile.Arn }), roles };
}

/**
 * Every managed policy ARN attached to a role, every page.
 * @throws AwsError naming iam:ListAttachedRolePolicies; UndecidedError for an entry without ARN.
 */
async function attachedPolicies(clients: FixerClients, roleName: string): Promise<string[]> {
  const what = `list the policies attached to role ${roleName}`;
  const arns: string[] = [];
  const { paginateListAttachedRolePolicies } = await import('@aws-sdk/client-iam');
  const iam = await clients.iam();
  try {
    for await (const page of paginateListAttachedRolePolicies(
      { client: iam },
      { RoleName: roleName },
    )) {
      if (!Array.isArray(page.AttachedPolicies)) {
        throw answerProblem(what, 'AttachedPolicies', 'is missing');
      }
      for (const [index, policy] of page.AttachedPolicies.entries()) {
        if (typeof policy.PolicyArn !== 'string' || policy.PolicyArn === '') {
          throw answerProblem(what, `AttachedPolicies[${index}].PolicyArn`, 'is missing');
        }
        arns.push(policy.PolicyArn);
      }
    }
  } catch (error) {
    throw awsFailure(what, `iam:ListAttachedRolePolicies on role ${roleName}`, error);
  }
  return arns;
}

/**
 * Attaches the policy to the role unless it is attached already; true when it attached it.
 * @throws AwsError naming iam:ListAttachedRolePolicies or iam:AttachRolePolicy.
 */
async function ensureAttached(
  clients: FixerClients,
  roleName: string,
  policyArn: string,
): Promise<boolean> {
  if ((await attachedPolicies(clients, roleName)).includes(policyArn)) return false;
  const { AttachRolePolicyCommand } = await import('@aws-sdk/client-iam');
  const iam = await clients.iam();
  try {
    await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
  } catch (error) {
    throw awsFailure(
      `attach ${policyArn} to role ${roleName}`,
      `iam:AttachRolePolicy on role ${roleName} for policy ${policyArn}`,
      error,
    );
  }
  return true;
}

/** The trust policy of the default role: EC2 instances may assume it. */
const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'ec2.amazonaws.com' },
      Action: 'sts:AssumeRole',
    },
  ],
});

/** Creates the default role unless it exists; its ARN when created now. */
async function createRole(clients: FixerClients, roleName: string): Promise<string | undefined> {
  const { CreateRoleCommand } = await import('@aws-sdk/client-iam');
  const iam = await clients.iam();
  try {
    const answer = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: EC2_TRUST,
        Description:
          'Default EC2 role of the assetguard ssm-role-fixer: lets Systems Manager manage instances launched without an instance profile.',
      }),
    );
    return answer.Role?.Arn ?? '';
  } catch (error) {
    if (iamError(error, 'EntityAlreadyExists')) return undefined;
    throw awsFailure(
      `create the default role ${roleName}`,
      `iam:CreateRole on role ${roleName}`,
      error,
    );
  }
}

/** Creates the default instance profile unless it exists; true when created now. */
async function createProfile(clients: FixerClients, profileName: string): Promise<boolean> {
  const { CreateInstanceProfileCommand } = await import('@aws-sdk/client-iam');
  const iam = await clients.iam();
  try {
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: profileName }));
    return true;
  } catch (error) {
    if (iamError(error, 'EntityAlreadyExists')) return false;
    throw awsFailure(
      `create the default instance profile ${profileName}`,
      `iam:CreateInstanceProfile on instance profile ${profileName}`,
      error,
    );
  }
}

async function addRole(
  clients: FixerClients,
  profileName: string,
  roleName: string,
): Promise<void> {
  const { AddRoleToInstanceProfileCommand } = await import('@aws-sdk/client-iam');
  const iam = await clients.iam();
  try {
    await iam.send(
      new AddRoleToInstanceProfileCommand({ InstanceProfileName: profileName, RoleName: roleName }),
    );
  } catch (error) {
    // Another invocation added it (or another role) first: the profile is re-read below.
    if (iamError(error, 'LimitExceeded') || iamError(error, 'EntityAlreadyExists')) return;
    throw awsFailure(
      `add role ${roleName} to the default instance profile ${profileName}`,
      `iam:AddRoleToInstanceProfile on instance profile ${profileName} and iam:PassRole on role ${roleName}`,
      error,
    );
  }
}

/**
 * Associates the profile with the instance, retrying while EC2 cannot resolve a just-created
 * profile. Returns the association id, or undefined when the instance got a profile meanwhile
 * (EC2 IncorrectState): that one is never replaced.
 * @throws AwsError naming ec2:AssociateIamInstanceProfile and iam:PassRole.
 */
async function associate(
  clients: FixerClients,
  instanceId: string,
  profileName: string,
  roleName: string,
): Promise<string | undefined> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const answer = await clients.ec2.send(
        new AssociateIamInstanceProfileCommand({
          InstanceId: instanceId,
          IamInstanceProfile: { Name: profileName },
        }),
      );
      const id = answer.IamInstanceProfileAssociation?.AssociationId;
      if (typeof id !== 'string' || id === '') {
        throw answerProblem(
          `associate instance profile ${profileName} with ${instanceId}`,
          'IamInstanceProfileAssociation.AssociationId',
          'is missing',
        );
      }
      return id;
    } catch (error) {
      if (hasAwsCode(error, 'IncorrectState')) return undefined;
      const delay = ASSOCIATE_RETRY_DELAYS_MS[attempt];
      if (hasAwsCode(error, 'InvalidParameterValue') && delay !== undefined) {
        await clients.sleep(delay);
        continue;
      }
      throw awsFailure(
        `associate instance profile ${profileName} with instance ${instanceId}`,
        `ec2:AssociateIamInstanceProfile on instance ${instanceId} and iam:PassRole on role ${roleName}`,
        error,
      );
    }
  }
}

function isExcepted(config: FixerConfig, roleName: string): boolean {
  return config.exceptions.includes(roleName.toLowerCase());
}

/** The existing profile's role gets the policy (or is excepted, or reported). */
async function fixProfile(
  clients: FixerClients,
  config: FixerConfig,
  instanceId: string,
  profileArn: string,
  region: string,
): Promise<FixResult> {
  const profileName = PROFILE_ARN.exec(profileArn)?.[1] ?? profileArn;
  const base = { instanceId, profileArn };
  const profile = await rolesOf(clients, profileName);
  if (profile === undefined) {
    return {
      ...base,
      status: 'unusable-profile',
      reason: `its instance profile ${profileName} does not exist in IAM`,
    };
  }
  const [role, ...others] = profile.roles;
  if (role === undefined) {
    return {
      ...base,
      status: 'unusable-profile',
      reason: `its instance profile ${profileName} holds no role: add one by hand (the fixer never replaces a profile)`,
    };
  }
  if (others.length > 0) {
    return {
      ...base,
      status: 'unusable-profile',
      reason: `its instance profile ${profileName} holds ${profile.roles.length} roles (${profile.roles.map((r) => r.name).join(', ')}); IAM allows one`,
    };
  }
  const withRole = { ...base, roleName: role.name };
  if (isExcepted(config, role.name)) {
    return {
      ...withRole,
      status: 'excepted',
      reason: `role ${role.name} is on the exceptions list`,
    };
  }
  const policyArn = ssmPolicyArn(partitionFrom(role.arn, region));
  if (await ensureAttached(clients, role.name, policyArn)) {
    return {
      ...withRole,
      policyArn,
      status: 'attached',
      reason: `attached ${SSM_POLICY_NAME} to role ${role.name} of instance profile ${profileName}`,
    };
  }
  return {
    ...withRole,
    policyArn,
    status: 'already-attached',
    reason: `role ${role.name} already has ${SSM_POLICY_NAME}`,
  };
}

/** No profile and allowed: the default profile, created or reused, then associated. */
async function associateDefault(
  clients: FixerClients,
  config: FixerConfig,
  instanceId: string,
  region: string,
): Promise<FixResult | 'taken'> {
  const { defaultProfileName: profileName, defaultRoleName: roleName } = config;
  const created: string[] = [];
  let profile = await rolesOf(clients, profileName);
  let roleArn: string | undefined;
  if (profile === undefined || profile.roles.length === 0) {
    const newRole = await createRole(clients, roleName);
    if (newRole !== undefined) {
      created.push('role');
      roleArn = newRole;
    }
    if (profile === undefined && (await createProfile(clients, profileName))) {
      created.push('instance profile');
    }
    await addRole(clients, profileName, roleName);
    profile = await rolesOf(clients, profileName);
  }
  const roles = profile?.roles ?? [];
  const [role] = roles;
  const base = { instanceId, profileArn: profile?.arn ?? profileName };
  if (
    role === undefined ||
    roles.length !== 1 ||
    role.name.toLowerCase() !== roleName.toLowerCase()
  ) {
    return {
      ...base,
      status: 'unusable-profile',
      reason: `the instance has no instance profile, and the default profile ${profileName} holds ${
        roles.length === 0 ? 'no role' : roles.map((r) => r.name).join(', ')
      } instead of role ${roleName}`,
    };
  }
  const policyArn = ssmPolicyArn(partitionFrom(role.arn || roleArn, region));
  await ensureAttached(clients, role.name, policyArn);
  const associated = await associate(clients, instanceId, profileName, role.name);
  if (associated === undefined) return 'taken';
  return {
    ...base,
    roleName: role.name,
    policyArn,
    associationId: associated,
    ...(created.length > 0 && { created }),
    status: 'default-associated',
    reason: `the instance had no instance profile: associated the default profile ${profileName} (role ${role.name} with ${SSM_POLICY_NAME})${
      created.length > 0 ? `, creating its ${created.join(' and ')}` : ''
    }`,
  };
}

/**
 * Gives one instance what Systems Manager needs, without ever replacing its profile. `region`
 * is the Lambda's (its partition is used when an ARN does not say). First the instance must
 * exist in it (DescribeInstances): an unknown instance is `instance-not-found` and a terminated
 * one `instance-gone`, before any other read and never with a write (an instance EC2 does not
 * know also has no profile association, which must not read as "no profile"). See FixStatus for
 * the outcomes; nothing is written for any but `attached` and `default-associated`.
 * @throws AwsError naming the permission of the call that failed; UndecidedError for an AWS
 *   answer that is not as documented.
 */
export async function fixInstance(
  clients: FixerClients,
  config: FixerConfig,
  instanceId: string,
  region: string,
): Promise<FixResult> {
  const state = await instanceState(clients, instanceId);
  if (state === undefined) {
    return {
      instanceId,
      status: 'instance-not-found',
      reason: `instance not found: EC2 in ${region} does not know ${instanceId} (InvalidInstanceID.NotFound); nothing changed`,
    };
  }
  if (GONE_STATES.includes(state)) {
    return {
      instanceId,
      status: 'instance-gone',
      reason: `the instance is ${state}; nothing changed`,
    };
  }
  // Two rounds at most: a default association that loses a race to another association is
  // followed by fixing the profile that won, never by replacing it.
  for (let round = 0; round < 2; round += 1) {
    const associations = await associationsOf(clients, instanceId);
    const [association, ...more] = associations;
    if (association !== undefined && more.length > 0) {
      return {
        instanceId,
        status: 'unusable-profile',
        reason: `the instance has ${associations.length} live instance profile associations (${associations
          .map((a) => `${a.associationId} ${a.state}`)
          .join(', ')}); left alone`,
      };
    }
    if (association !== undefined) {
      return fixProfile(clients, config, instanceId, association.profileArn, region);
    }
    if (!config.createDefaultProfile) {
      return {
        instanceId,
        status: 'no-profile',
        reason:
          'the instance has no instance profile, and creating the default one is off (ASSETGUARD_SSM_FIXER_CREATE_DEFAULT_PROFILE)',
      };
    }
    const result = await associateDefault(clients, config, instanceId, region);
    if (result !== 'taken') return result;
  }
  throw new UndecidedError(
    `instance ${instanceId} got an instance profile while the default one was being associated, and then showed none: try again`,
  );
}
