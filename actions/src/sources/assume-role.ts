import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { partitionOf } from '../core/arn';
import type { AwsCredentials } from '../core/aws';
import { awsFailure, UndecidedError } from '../core/errors';

/** Temporary credentials of one member account, in the shape every SDK v3 client takes. */
export type AccountCredentials = AwsCredentials;

/** The ARN of the role `roleName` in `accountId`, in the partition of `region`. */
export function memberRoleArn(accountId: string, roleName: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:role/${roleName}`;
}

/**
 * Assumes `roleName` in the member account `accountId` from the caller's credentials (the central
 * account's role), for one run: the session is named after the run so CloudTrail in the member
 * account says who came in. The answer is checked: it must carry the three credential parts, and
 * the assumed identity must be in the account asked for (a role ARN typed into the wrong account
 * list must not check another account's hosts under this one's name).
 * @throws AwsError naming sts:AssumeRole (access denied: the member role's trust policy or the
 *   caller's permission); UndecidedError for an answer without credentials or in another account.
 */
export async function assumeMemberRole(
  sts: STSClient,
  request: { accountId: string; roleName: string; region: string; sessionName: string },
): Promise<AccountCredentials> {
  const roleArn = memberRoleArn(request.accountId, request.roleName, request.region);
  let answer;
  try {
    answer = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: request.sessionName,
        DurationSeconds: 3600,
      }),
    );
  } catch (error) {
    throw awsFailure(`assume ${roleArn}`, 'sts:AssumeRole', error);
  }
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = answer.Credentials ?? {};
  if (!AccessKeyId || !SecretAccessKey || !SessionToken) {
    throw new UndecidedError(
      `AssumeRole of ${roleArn} answered without credentials (an empty or malformed body)`,
    );
  }
  const assumedArn = answer.AssumedRoleUser?.Arn;
  const assumedAccount = assumedArn?.split(':')[4];
  if (assumedAccount !== undefined && assumedAccount !== request.accountId) {
    throw new UndecidedError(
      `AssumeRole of ${roleArn} gave an identity in account ${assumedAccount}, not ${request.accountId}`,
    );
  }
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    sessionToken: SessionToken,
    ...(Expiration !== undefined && { expiration: Expiration }),
  };
}

/**
 * A role session name for one run (2–64 characters of `[\w+=,.@-]`), e.g.
 * `assetguard-fleet-check-1234567890`: the GitHub run id when there is one, else the time.
 */
export function sessionNameFor(runId: string | undefined, now: Date): string {
  const suffix = runId && /^[\w+=,.@-]+$/.test(runId) ? runId : String(now.getTime());
  return `assetguard-fleet-check-${suffix}`.slice(0, 64);
}
