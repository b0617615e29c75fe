// Types only: each SDK package is loaded through import() by the function that calls it, so a
// fleet check that runs none (targets local) never reads them, and one that does reads them
// after its first request (the caller's identity) rather than before.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { partitionOf } from '../core/arn';
import type { LazyClient } from '../core/aws';
import type { Clock } from '../core/clock';
import { countCall, type CallCounts } from '../core/collections';
import { awsFailure, hasAwsCode, UndecidedError } from '../core/errors';
import type { Log } from '../core/log';
import { parseHostCheckOutput, type CheckedHost, type HostCheckOutput } from './host-check';
import { readAllPages } from './paging';

/**
 * Runs the host check script on EC2 instances through SSM Run Command (AWS-RunShellScript) in
 * one account and region, and reads each instance's output from S3: Run Command keeps only the
 * first 24,000 characters of stdout in its own answers, so the output goes to OutputS3BucketName.
 *
 * moto 5.2.1, which the tests run against, implements SendCommand, ListCommands and
 * GetCommandInvocation (and resolves tag targets through its EC2 instances) but not
 * ListCommandInvocations; it runs nothing and writes no output. The calls here are those three.
 */

/** Which instances to check: by tags (each key any of its values; all keys) or by id. */
export type FleetTargets =
  | { kind: 'tags'; tags: { key: string; values: string[] }[] }
  | { kind: 'instances'; ids: string[] };

/** The document every check runs as. */
export const RUN_SHELL_SCRIPT = 'AWS-RunShellScript';

/**
 * The most a resolved SSM document may be (botocore's model, MaxDocumentSizeExceeded: "The size
 * limit of a document is 64 KB"); the script travels inside it as the commands parameter.
 */
export const MAX_DOCUMENT_BYTES = 64 * 1024;

/** Room left in that limit for the document's own text around the script. */
export const MAX_SCRIPT_BYTES = MAX_DOCUMENT_BYTES - 8 * 1024;

/** Terminal statuses of a command (ListCommands) and of an invocation (GetCommandInvocation). */
const COMMAND_STATUSES = new Set([
  'Pending',
  'InProgress',
  'Success',
  'Cancelled',
  'Failed',
  'TimedOut',
  'Cancelling',
]);
const COMMAND_DONE = new Set(['Success', 'Cancelled', 'Failed', 'TimedOut']);
const INVOCATION_STATUSES = new Set([...COMMAND_STATUSES, 'Delayed']);

/** Seconds between two ListCommands polls. */
export const POLL_INTERVAL_MS = 5_000;
/** A progress line at least this often while nothing changes. */
const PROGRESS_EVERY_MS = 30_000;
/** The most of one instance's output read from S3 (the script prints a few KiB). */
export const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

/** The ARN of an EC2 instance. */
export function instanceArn(region: string, accountId: string, instanceId: string): string {
  return `arn:${partitionOf(region)}:ec2:${region}:${accountId}:instance/${instanceId}`;
}

/** One instance's check through Run Command: its output, or why there is none. */
export interface InstanceCheck extends CheckedHost {
  instanceId: string;
  /** The invocation's Status and StatusDetails, when Run Command has one. */
  invocation?: { status: string; details?: string; responseCode?: number };
  /** Where its output is (s3://bucket/key). */
  outputUrl?: string;
  /** The parsed output, when it was read. */
  output?: HostCheckOutput;
  /** Why it was not checked (or not completely); empty when it was. */
  problems: string[];
}

/** A command sent to one account's targets. */
export interface SentCommand {
  accountId: string;
  region: string;
  commandId: string;
  /** The running instances the targets select (EC2's answer), or the instance ids given. */
  expected: string[];
}

/**
 * The running EC2 instances `targets` select: DescribeInstances filtered by `tag:<key>` and state
 * `running` (instance ids are taken as given). The check then expects a Run Command invocation
 * from each, so an instance Run Command cannot reach (no SSM agent, no instance profile) is
 * reported instead of silently missing. The EC2 client (a `LazyClient`, core/aws) and
 * @aws-sdk/client-ec2 are loaded only for tag targets.
 * @throws AwsError naming ec2:DescribeInstances.
 */
export async function listTargetInstances(
  client: LazyClient<EC2Client>,
  targets: FleetTargets,
  options: { log: Log; calls: CallCounts },
): Promise<string[]> {
  if (targets.kind === 'instances') return [...targets.ids];
  const ec2 = await client();
  const { paginateDescribeInstances } = await import('@aws-sdk/client-ec2');
  const ids: string[] = [];
  try {
    await readAllPages(
      paginateDescribeInstances(
        { client: ec2, pageSize: 1000 },
        {
          Filters: [
            ...targets.tags.map(({ key, values }) => ({ Name: `tag:${key}`, Values: values })),
            { Name: 'instance-state-name', Values: ['running'] },
          ],
        },
      ),
      {
        items: (page) => page.Reservations,
        operation: 'DescribeInstances',
        nextToken: (page) => page.NextToken,
        pageCap: 1_000,
        progress: (calls, kept) => `listed ${kept} running instance(s) in ${calls} call(s)`,
        endless: (calls) => `DescribeInstances still had more pages after ${calls} calls`,
        log: options.log,
        onPage: () => {
          countCall(options.calls, 'DescribeInstances');
        },
      },
      (reservation) => {
        for (const instance of reservation.Instances ?? []) {
          // moto does not filter by state; the client re-checks what it asked the server for.
          if (instance.InstanceId && instance.State?.Name === 'running')
            ids.push(instance.InstanceId);
        }
        return true;
      },
    );
  } catch (error) {
    throw awsFailure(
      'list the running instances the targets select',
      'ec2:DescribeInstances',
      error,
    );
  }
  return [...new Set(ids)].sort();
}

/**
 * Sends the script to the targets as AWS-RunShellScript, its output to
 * `s3://bucket/prefix/<CommandId>/<InstanceId>/awsrunShellScript/0.awsrunShellScript/stdout`.
 * Tag targets go as Run Command targets (`tag:<key>`), ids as InstanceIds (at most 50). MaxErrors
 * is 100%: one failing host must not stop the command for the others (its default, 0, does).
 * `timeoutSeconds` bounds both the delivery (TimeoutSeconds, at least 30) and the script's run
 * (executionTimeout). Returns the CommandId.
 * @throws AwsError naming ssm:SendCommand; UndecidedError when the answer has no CommandId.
 */
export async function sendHostCheck(
  ssm: SSMClient,
  request: {
    targets: FleetTargets;
    script: string;
    bucket: string;
    prefix: string;
    timeoutSeconds: number;
    calls: CallCounts;
  },
): Promise<string> {
  const { targets } = request;
  const { SendCommandCommand } = await import('@aws-sdk/client-ssm');
  let commandId: unknown;
  try {
    const answer = await ssm.send(
      new SendCommandCommand({
        DocumentName: RUN_SHELL_SCRIPT,
        ...(targets.kind === 'tags'
          ? {
              Targets: targets.tags.map(({ key, values }) => ({
                Key: `tag:${key}`,
                Values: values,
              })),
            }
          : { InstanceIds: targets.ids }),
        Parameters: {
          commands: [request.script],
          executionTimeout: [String(Math.min(172_800, request.timeoutSeconds))],
        },
        TimeoutSeconds: Math.max(30, request.timeoutSeconds),
        OutputS3BucketName: request.bucket,
        ...(request.prefix !== '' && { OutputS3KeyPrefix: request.prefix }),
        MaxErrors: '100%',
        Comment: 'assetguard fleet-check host checks',
      }),
    );
    commandId = answer.Command?.CommandId;
  } catch (error) {
    throw awsFailure('send the host check with Run Command', 'ssm:SendCommand', error);
  }
  countCall(request.calls, 'SendCommand');
  if (typeof commandId !== 'string' || commandId === '') {
    throw new UndecidedError(
      'SendCommand answered without a CommandId (an empty or malformed body)',
    );
  }
  return commandId;
}

/** What the wait for one command ended with. */
export interface CommandWait {
  /** The command's last Status (ListCommands). */
  status: string;
  /** True when it had not finished when the deadline passed. */
  unfinished: boolean;
}

/**
 * Polls ListCommands for one command until its Status is terminal (Success, Failed, TimedOut,
 * Cancelled) or `deadline` passes, with a progress line when its counts change (and every 30 s
 * meanwhile). Waiting uses the injected clock.
 * @throws AwsError naming ssm:ListCommands; UndecidedError for an answer without the command or
 *   with a Status outside the API's enum.
 */
export async function waitForCommand(
  ssm: SSMClient,
  commandId: string,
  options: {
    deadline: number;
    clock: Clock;
    log: Log;
    label: string;
    calls: CallCounts;
    pollMs?: number;
  },
): Promise<CommandWait> {
  const pollMs = options.pollMs ?? POLL_INTERVAL_MS;
  const { ListCommandsCommand } = await import('@aws-sdk/client-ssm');
  let lastLine = '';
  let lastLogged = -Infinity;
  for (;;) {
    let command;
    try {
      const answer = await ssm.send(new ListCommandsCommand({ CommandId: commandId }));
      command = answer.Commands?.[0];
    } catch (error) {
      throw awsFailure(`read the state of Run Command ${commandId}`, 'ssm:ListCommands', error);
    }
    countCall(options.calls, 'ListCommands');
    const status = command?.Status;
    if (command?.CommandId !== commandId || status === undefined || !COMMAND_STATUSES.has(status)) {
      throw new UndecidedError(
        `ListCommands answered for ${commandId} without the command or with an unknown Status (${String(status)})`,
      );
    }
    const now = options.clock.now().getTime();
    const line = `${options.label}: Run Command ${commandId} ${status}, ${command.CompletedCount ?? 0} of ${command.TargetCount ?? 0} instance(s) done, ${command.ErrorCount ?? 0} failed`;
    if (line !== lastLine || now - lastLogged >= PROGRESS_EVERY_MS) {
      options.log(line);
      lastLine = line;
      lastLogged = now;
    }
    if (COMMAND_DONE.has(status)) return { status, unfinished: false };
    if (now + pollMs > options.deadline) return { status, unfinished: true };
    await options.clock.sleep(pollMs);
  }
}

/** The S3 key of one instance's stdout, as Run Command writes it for AWS-RunShellScript. */
export function outputKey(prefix: string, commandId: string, instanceId: string): string {
  const path = `${commandId}/${instanceId}/awsrunShellScript/0.awsrunShellScript/stdout`;
  return prefix === '' ? path : `${prefix}/${path}`;
}

/** Why an invocation that ended without Success produced no trustworthy output. */
function invocationProblem(
  status: string,
  details: string | undefined,
  responseCode: number | undefined,
  stderr: string | undefined,
): string {
  const said = `${status}${details && details !== status ? ` (${details})` : ''}`;
  const errorText = stderr?.trim() ? `; stderr: ${stderr.trim().slice(0, 300)}` : '';
  if (status === 'Failed') {
    return `the check script failed on it: ${said}, exit code ${responseCode ?? 'unknown'}${errorText}`;
  }
  if (status === 'TimedOut') {
    return `Run Command timed out on it: ${said} (raise the timeout, or the instance could not be reached in time)`;
  }
  if (status === 'Cancelled' || status === 'Cancelling') {
    return `the check was cancelled on it: ${said}`;
  }
  return `the check had not finished on it when the wait ended: ${said}`;
}

/**
 * Reads one instance's invocation (GetCommandInvocation) and, when it succeeded, its stdout from
 * S3, parsed. Every way it can fail to be checked becomes a problem of that instance, never an
 * exception: no invocation at all (Run Command did not reach it: no SSM agent, or an instance
 * profile without AmazonSSMManagedInstanceCore, Security Hub control SSM.1), a failed, timed-out,
 * undeliverable or unfinished invocation, an output missing from S3, or a malformed output.
 * @throws AwsError naming ssm:GetCommandInvocation or s3:GetObject for a call that failed for
 *   another reason (access denied, throttled past retries): that is the account's problem.
 */
export async function readInstanceCheck(
  clients: { ssm: SSMClient; s3: S3Client },
  request: {
    accountId: string;
    region: string;
    commandId: string;
    instanceId: string;
    bucket: string;
    prefix: string;
    calls: CallCounts;
  },
): Promise<InstanceCheck> {
  const { accountId, region, commandId, instanceId } = request;
  const check: InstanceCheck = {
    instanceId,
    resource: {
      id: instanceArn(region, accountId, instanceId),
      type: 'AWS::EC2::Instance',
      region,
      accountId,
    },
    problems: [],
  };
  const { GetCommandInvocationCommand } = await import('@aws-sdk/client-ssm');
  let invocation;
  try {
    invocation = await clients.ssm.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
    );
  } catch (error) {
    if (hasAwsCode(error, 'InvocationDoesNotExist') || hasAwsCode(error, 'InvalidInstanceId')) {
      check.problems.push(
        'Run Command did not reach it: no invocation (is the SSM agent running and registered, and may its instance profile use Systems Manager? Security Hub control SSM.1)',
      );
      return check;
    }
    throw awsFailure(
      `read the Run Command invocation of ${instanceId}`,
      'ssm:GetCommandInvocation',
      error,
    );
  }
  countCall(request.calls, 'GetCommandInvocation');
  const status = invocation.Status;
  if (status === undefined || !INVOCATION_STATUSES.has(status)) {
    check.problems.push(
      `GetCommandInvocation answered with an unknown Status (${String(status)}): not read as checked`,
    );
    return check;
  }
  check.invocation = {
    status,
    ...(invocation.StatusDetails !== undefined && { details: invocation.StatusDetails }),
    ...(invocation.ResponseCode !== undefined && { responseCode: invocation.ResponseCode }),
  };
  const key = outputKey(request.prefix, commandId, instanceId);
  check.outputUrl = `s3://${request.bucket}/${key}`;
  if (status !== 'Success') {
    check.problems.push(
      invocationProblem(
        status,
        invocation.StatusDetails,
        invocation.ResponseCode,
        invocation.StandardErrorContent,
      ),
    );
    return check;
  }
  const output = await readOutput(clients.s3, request.bucket, key, request.calls);
  if (output.kind === 'missing') {
    check.problems.push(
      `Run Command says Success but ${check.outputUrl} does not exist: the instance could not write its output (its instance profile needs PutObject permission on the bucket under the prefix, and the bucket must exist)`,
    );
    return check;
  }
  if (output.kind === 'too-large') {
    check.problems.push(
      `${check.outputUrl} is ${output.bytes} bytes, more than the ${MAX_OUTPUT_BYTES} a host check prints: not read`,
    );
    return check;
  }
  check.output = parseHostCheckOutput(output.text);
  check.problems.push(...check.output.problems.map((problem) => `output: ${problem}`));
  return check;
}

/**
 * One object's text; `missing` when it does not exist (NoSuchKey, or a 404 other than a missing
 * bucket); `too-large` past MAX_OUTPUT_BYTES, unread.
 * @throws AwsError naming s3:GetObject (and s3:ListBucket, without which S3 answers a missing
 *   key with AccessDenied).
 */
async function readOutput(
  s3: S3Client,
  bucket: string,
  key: string,
  calls: CallCounts,
): Promise<
  { kind: 'text'; text: string } | { kind: 'missing' } | { kind: 'too-large'; bytes: number }
> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    countCall(calls, 'GetObject');
    if (answer.ContentLength !== undefined && answer.ContentLength > MAX_OUTPUT_BYTES) {
      (answer.Body as { destroy?: () => void } | undefined)?.destroy?.();
      return { kind: 'too-large', bytes: answer.ContentLength };
    }
    if (!answer.Body) throw new Error('GetObject answered without a body');
    const bytes = await answer.Body.transformToByteArray();
    if (bytes.length > MAX_OUTPUT_BYTES) return { kind: 'too-large', bytes: bytes.length };
    return { kind: 'text', text: Buffer.from(bytes).toString('utf8') };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata
      ?.httpStatusCode;
    if (hasAwsCode(error, 'NoSuchKey') || (status === 404 && !hasAwsCode(error, 'NoSuchBucket'))) {
      countCall(calls, 'GetObject');
      return { kind: 'missing' };
    }
    throw awsFailure(
      `read the host check output s3://${bucket}/${key}`,
      's3:GetObject on the output prefix (and s3:ListBucket on the bucket, so a missing output reads as missing)',
      error,
    );
  }
}
