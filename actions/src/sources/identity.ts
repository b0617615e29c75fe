import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { countCall, type CallCounts } from '../core/collections';
import { awsFailure, UndecidedError } from '../core/errors';

/**
 * The caller's own AWS account id (sts:GetCallerIdentity, which every identity may call: no
 * permission to grant), counted in `calls` when given. Sources that build ARNs or ask a service
 * about "this account" read it once through here.
 * @throws AwsError naming sts:GetCallerIdentity when the call fails; UndecidedError when the
 *   answer has no 12-digit Account (an empty or malformed body): nothing is guessed without it.
 */
export async function readCallerAccount(sts: STSClient, calls?: CallCounts): Promise<string> {
  let account: unknown;
  try {
    ({ Account: account } = await sts.send(new GetCallerIdentityCommand({})));
  } catch (error) {
    throw awsFailure('identify the AWS account', 'sts:GetCallerIdentity', error);
  }
  if (calls) countCall(calls, 'GetCallerIdentity');
  if (typeof account !== 'string' || !/^\d{12}$/.test(account)) {
    throw new UndecidedError(
      'sts:GetCallerIdentity answered without a 12-digit Account (an empty or malformed body); ARNs and per-account reads cannot be made without it',
    );
  }
  return account;
}
