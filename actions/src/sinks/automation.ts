/**
 * Runs SSM Automation runbooks and waits for their outcome: the one place assetguard starts an
 * automation (`assetguard remediate --execute`). Success is what AWS reports at the end, read
 * back from the execution and its steps, never "the call returned".
 */
import { randomUUID } from 'node:crypto';
import {
  AutomationExecutionStatus,
  GetAutomationExecutionCommand,
  paginateDescribeAutomationStepExecutions,
  StartAutomationExecutionCommand,
  type AutomationExecution,
  type SSMClient,
  type StepExecution,
} from '@aws-sdk/client-ssm';
import type { Clock } from '../core/clock';
import { formatDuration } from '../core/duration';
import { awsFailure, errorMessage, UndecidedError } from '../core/errors';
import type { Log } from '../core/log';
import { readAllPages } from '../sources/paging';

/** One runbook to run on one resource. */
export interface AutomationRequest {
  /** The resource it is for, as the plan names it (the key of its result). */
  resource: string;
  document: string;
  /** Parameter name → value; each is sent as a one-value list, as the API takes them. */
  parameters: Record<string, string>;
}

/** What became of one request. */
export interface AutomationResult {
  resource: string;
  /**
   * success: AWS reports Success or CompletedWithSuccess and no step Failed or TimedOut;
   * timed-out: AWS reports TimedOut, or it was still running when our wait ended; failed:
   * anything else that ended (Failed, Cancelled, CompletedWithFailure, Rejected…), a start that
   * failed, or an outcome that could not be read; skipped: not started (an earlier start failed).
   */
  status: 'success' | 'failed' | 'timed-out' | 'skipped';
  executionId?: string;
  /** AWS's AutomationExecutionStatus as last read. */
  executionStatus?: string;
  /** The first step that ended Failed or TimedOut (else Cancelled), by name. */
  failedStep?: string;
  /** AWS's FailureMessage, or ours. Untrusted text: escape it where it is shown. */
  message?: string;
}

export interface AutomationOptions {
  clock: Clock;
  log: Log;
  /** How long to wait for the executions, from the first start, in milliseconds. */
  timeoutMs: number;
  /** The least time between two starts (default START_INTERVAL_MS). */
  startIntervalMs?: number;
  /** Time between two reads of the executions still running (default POLL_INTERVAL_MS). */
  pollIntervalMs?: number;
  /** The idempotency token of each start (default: a random UUID). */
  clientToken?: () => string;
}

/**
 * Starts are sequential and at least this far apart (ms): a remediation is a handful of writes,
 * and spacing them keeps the account's StartAutomationExecution rate (and the resources'
 * services) well below their limits. A ThrottlingException that still happens is retried by
 * the SDK (core/aws: adaptive retry mode).
 */
export const START_INTERVAL_MS = 1_000;
/** Between two reads of every execution still running (ms). */
export const POLL_INTERVAL_MS = 10_000;
/** A progress line at least this often while nothing changes (ms). */
const PROGRESS_EVERY_MS = 60_000;
/** Step pages of one execution read at most (a runbook has a few dozen steps). */
const STEP_PAGE_CAP = 100;

type Kind = 'success' | 'failed' | 'timed-out' | 'running';

/**
 * Every AutomationExecutionStatus the SDK knows, and what it means here. Typed against the SDK's
 * enum, so a status added to the API fails the build until it is placed; a status outside it
 * in an answer is refused as malformed.
 */
const STATUS_KINDS: Record<AutomationExecutionStatus, Kind> = {
  Success: 'success',
  CompletedWithSuccess: 'success',
  TimedOut: 'timed-out',
  Failed: 'failed',
  Cancelled: 'failed',
  CompletedWithFailure: 'failed',
  Rejected: 'failed',
  ChangeCalendarOverrideRejected: 'failed',
  Exited: 'failed',
  Pending: 'running',
  InProgress: 'running',
  Waiting: 'running',
  Cancelling: 'running',
  PendingApproval: 'running',
  Approved: 'running',
  Scheduled: 'running',
  RunbookInProgress: 'running',
  PendingChangeCalendarOverride: 'running',
  ChangeCalendarOverrideApproved: 'running',
};

const KNOWN_STATUSES: ReadonlySet<string> = new Set(Object.values(AutomationExecutionStatus));

function kindOf(status: string): Kind {
  return STATUS_KINDS[status as AutomationExecutionStatus];
}

/** An execution as read back, validated. */
export interface ExecutionState {
  executionId: string;
  status: AutomationExecutionStatus;
  failureMessage?: string;
  /** Its steps, when the answer held them all (not StepExecutionsTruncated). */
  steps?: StepExecution[];
}

function checkSteps(steps: readonly StepExecution[], operation: string, id: string): void {
  for (const step of steps) {
    const status = step.StepStatus;
    if (status === undefined || !KNOWN_STATUSES.has(status)) {
      throw new UndecidedError(
        `${operation} answered step ${step.StepName ?? '(no StepName)'} of execution ${id} with StepStatus ${status === undefined ? 'missing' : JSON.stringify(status)}; refusing to read a malformed answer`,
      );
    }
  }
}

/**
 * Reads one execution (GetAutomationExecution) and checks the answer: it must hold the
 * execution asked about, with an AutomationExecutionStatus from the API's enum, and steps (when
 * listed) each with a StepStatus from it.
 * @throws AwsError naming ssm:GetAutomationExecution; UndecidedError for a malformed answer.
 */
export async function readExecution(ssm: SSMClient, executionId: string): Promise<ExecutionState> {
  const operation = 'ssm:GetAutomationExecution';
  let execution: AutomationExecution | undefined;
  try {
    ({ AutomationExecution: execution } = await ssm.send(
      new GetAutomationExecutionCommand({ AutomationExecutionId: executionId }),
    ));
  } catch (error) {
    throw awsFailure(`read automation execution ${executionId}`, operation, error);
  }
  if (execution === undefined) {
    throw new UndecidedError(
      `${operation} answered without AutomationExecution for ${executionId} (an empty or malformed body); its outcome is unknown`,
    );
  }
  if (
    execution.AutomationExecutionId !== undefined &&
    execution.AutomationExecutionId !== executionId
  ) {
    throw new UndecidedError(
      `${operation} answered about execution ${execution.AutomationExecutionId} when asked about ${executionId}; refusing an inconsistent answer`,
    );
  }
  const status = execution.AutomationExecutionStatus;
  if (status === undefined || !KNOWN_STATUSES.has(status)) {
    throw new UndecidedError(
      `${operation} answered execution ${executionId} with AutomationExecutionStatus ${status === undefined ? 'missing' : JSON.stringify(status)}, which is not one of the API's statuses; its outcome is unknown`,
    );
  }
  const listed = execution.StepExecutions;
  if (listed !== undefined) checkSteps(listed, operation, executionId);
  return {
    executionId,
    status,
    ...(execution.FailureMessage !== undefined &&
      execution.FailureMessage !== '' && { failureMessage: execution.FailureMessage }),
    ...(listed !== undefined && execution.StepExecutionsTruncated !== true && { steps: listed }),
  };
}

/**
 * Every step of an execution, in order (DescribeAutomationStepExecutions, every page), for an
 * execution whose GetAutomationExecution answer did not list them all.
 * @throws AwsError naming ssm:DescribeAutomationStepExecutions; UndecidedError for a page
 *   without StepExecutions, a step with a status outside the enum, or pages that never end.
 */
export async function listSteps(
  ssm: SSMClient,
  executionId: string,
  log: Log,
): Promise<StepExecution[]> {
  const operation = 'ssm:DescribeAutomationStepExecutions';
  const steps: StepExecution[] = [];
  try {
    await readAllPages(
      paginateDescribeAutomationStepExecutions(
        { client: ssm },
        { AutomationExecutionId: executionId },
      ),
      {
        operation,
        items: (page) => page.StepExecutions,
        nextToken: (page) => page.NextToken,
        pageCap: STEP_PAGE_CAP,
        log,
        progress: (pages, kept) =>
          `read ${pages} pages (${kept} steps) of execution ${executionId}`,
        endless: (pages) =>
          `${operation} kept returning pages for ${executionId} after ${pages} calls`,
      },
      (step) => {
        steps.push(step);
        return true;
      },
    );
  } catch (error) {
    throw awsFailure(`list the steps of automation execution ${executionId}`, operation, error);
  }
  checkSteps(steps, operation, executionId);
  return steps;
}

/** The step to blame: the first Failed or TimedOut, else the first Cancelled. */
function failedStepOf(steps: readonly StepExecution[]): StepExecution | undefined {
  return (
    steps.find((step) => step.StepStatus === 'Failed' || step.StepStatus === 'TimedOut') ??
    steps.find((step) => step.StepStatus === 'Cancelled')
  );
}

/**
 * The result of an execution that ended. A step that Failed or TimedOut makes it a failure even
 * when the execution reports success (a step with onFailure: Continue), since the change it was
 * for may not have been made.
 */
export function endedResult(
  resource: string,
  state: ExecutionState,
  steps: readonly StepExecution[],
): AutomationResult {
  const kind = kindOf(state.status);
  const step = failedStepOf(steps);
  const stepBroke = step !== undefined && step.StepStatus !== 'Cancelled';
  const base = { resource, executionId: state.executionId, executionStatus: state.status };
  if (kind === 'success' && !stepBroke) return { ...base, status: 'success' };
  const message =
    kind === 'success'
      ? `the execution reports ${state.status}, but step ${step?.StepName ?? '?'} ended ${step?.StepStatus ?? '?'}${step?.FailureMessage ? `: ${step.FailureMessage}` : ''}`
      : (state.failureMessage ?? step?.FailureMessage ?? `the execution ended ${state.status}`);
  return {
    ...base,
    status: kind === 'timed-out' ? 'timed-out' : 'failed',
    ...(step?.StepName !== undefined && { failedStep: step.StepName }),
    message,
  };
}

interface Started {
  request: AutomationRequest;
  executionId: string;
  /** The status last read. */
  status?: string;
}

/** Starts the requests one by one, at least `startIntervalMs` apart; stops at the first failure. */
async function startAll(
  ssm: SSMClient,
  requests: readonly AutomationRequest[],
  options: AutomationOptions,
  results: Map<string, AutomationResult>,
  started: Started[],
): Promise<void> {
  const { clock, log } = options;
  const interval = options.startIntervalMs ?? START_INTERVAL_MS;
  const token = options.clientToken ?? randomUUID;
  let stoppedBy: string | undefined;
  let lastStart: number | undefined;
  for (const request of requests) {
    if (stoppedBy !== undefined) {
      results.set(request.resource, {
        resource: request.resource,
        status: 'skipped',
        message: `not started: starting stopped when ${stoppedBy} could not start`,
      });
      continue;
    }
    if (lastStart !== undefined) {
      const wait = lastStart + interval - clock.now().getTime();
      if (wait > 0) await clock.sleep(wait);
    }
    lastStart = clock.now().getTime();
    let executionId: unknown;
    try {
      ({ AutomationExecutionId: executionId } = await ssm.send(
        new StartAutomationExecutionCommand({
          DocumentName: request.document,
          Parameters: Object.fromEntries(
            Object.entries(request.parameters).map(([name, value]) => [name, [value]]),
          ),
          // The same token on the SDK's retry of a start whose answer was lost: AWS then
          // starts nothing twice.
          ClientToken: token(),
        }),
      ));
    } catch (error) {
      const failure = awsFailure(
        `start ${request.document} on ${request.resource}`,
        'ssm:StartAutomationExecution',
        error,
      );
      results.set(request.resource, {
        resource: request.resource,
        status: 'failed',
        message: failure.message,
      });
      stoppedBy = request.resource;
      continue;
    }
    if (typeof executionId !== 'string' || executionId.length !== 36) {
      const malformed = new UndecidedError(
        `ssm:StartAutomationExecution answered ${request.document} on ${request.resource} without a 36-character AutomationExecutionId (an empty or malformed body): whether it started is unknown; look for it under Systems Manager > Automation`,
      );
      results.set(request.resource, {
        resource: request.resource,
        status: 'failed',
        message: malformed.message,
      });
      stoppedBy = request.resource;
      continue;
    }
    log(`started ${request.document} on ${request.resource}: execution ${executionId}`);
    started.push({ request, executionId });
  }
}

function progressLine(
  running: number,
  results: Map<string, AutomationResult>,
  elapsedMs: number,
  timeoutMs: number,
): string {
  const count = (status: AutomationResult['status']): number =>
    [...results.values()].filter((result) => result.status === status).length;
  return `automation: ${running} running, ${count('success')} succeeded, ${count('failed')} failed, ${count('timed-out')} timed out; ${formatDuration(elapsedMs)} elapsed (timeout ${formatDuration(timeoutMs)})`;
}

/** Reads the running executions until each has ended or the timeout (from `since`) has passed. */
async function waitForAll(
  ssm: SSMClient,
  started: readonly Started[],
  since: number,
  options: AutomationOptions,
  results: Map<string, AutomationResult>,
): Promise<void> {
  const { clock, log, timeoutMs } = options;
  const pollInterval = options.pollIntervalMs ?? POLL_INTERVAL_MS;
  const deadline = since + timeoutMs;
  const pending = new Map(started.map((run) => [run.executionId, run]));
  let lastLine = '';
  let lastLineAt = Number.NEGATIVE_INFINITY;
  for (;;) {
    for (const run of [...pending.values()]) {
      const { resource } = run.request;
      try {
        const state = await readExecution(ssm, run.executionId);
        run.status = state.status;
        if (kindOf(state.status) === 'running') continue;
        const steps = state.steps ?? (await listSteps(ssm, run.executionId, log));
        results.set(resource, endedResult(resource, state, steps));
      } catch (error) {
        results.set(resource, {
          resource,
          status: 'failed',
          executionId: run.executionId,
          ...(run.status !== undefined && { executionStatus: run.status }),
          message: `its outcome could not be read (${errorMessage(error)}); it may still be running: look up execution ${run.executionId}`,
        });
      }
      pending.delete(run.executionId);
    }
    const now = clock.now().getTime();
    const line = progressLine(pending.size, results, now - since, timeoutMs);
    const counts = line.slice(0, line.indexOf(';'));
    if (counts !== lastLine || now - lastLineAt >= PROGRESS_EVERY_MS || pending.size === 0) {
      log(line);
      lastLine = counts;
      lastLineAt = now;
    }
    if (pending.size === 0) return;
    if (now >= deadline) {
      for (const run of pending.values()) {
        results.set(run.request.resource, {
          resource: run.request.resource,
          status: 'timed-out',
          executionId: run.executionId,
          ...(run.status !== undefined && { executionStatus: run.status }),
          message: `still ${run.status ?? 'running'} after ${formatDuration(timeoutMs)}: assetguard stopped waiting, and the execution goes on in AWS (look up execution ${run.executionId})`,
        });
      }
      return;
    }
    await clock.sleep(Math.min(pollInterval, deadline - now));
  }
}

/**
 * Runs each request's runbook (StartAutomationExecution, sequential, `startIntervalMs` apart,
 * each with a fresh ClientToken, AutomationAssumeRole among the parameters as the plan gives
 * it), then waits for all of them, reading each running execution every `pollIntervalMs`
 * (GetAutomationExecution; DescribeAutomationStepExecutions when the answer's step list is
 * truncated) and logging progress (running, succeeded, failed, elapsed), until each has ended or
 * `timeoutMs` has passed since the first start. All waiting goes through `clock`.
 *
 * Never throws: every request gets a result, in order. A start that fails (AwsError naming
 * ssm:StartAutomationExecution, or an answer without an AutomationExecutionId) stops further
 * starts (the rest are `skipped`); an execution whose outcome cannot be read (AwsError, or an
 * answer that is malformed: no execution, a status outside the API's enum) is `failed`, saying
 * so; one still running at the timeout is `timed-out` and is not stopped.
 */
export async function runAutomations(
  ssm: SSMClient,
  requests: readonly AutomationRequest[],
  options: AutomationOptions,
): Promise<AutomationResult[]> {
  const results = new Map<string, AutomationResult>();
  const started: Started[] = [];
  const since = options.clock.now().getTime();
  try {
    await startAll(ssm, requests, options, results, started);
    if (started.length > 0) {
      // Said before the wait: a run stopped during it (cancelled, killed) writes no audit
      // record, and these log lines are then where the started executions are found.
      options.log(
        `waiting for ${started.length} execution(s), at most ${formatDuration(options.timeoutMs)}; if this run is stopped before they end, they go on in AWS and no audit record is written: their ids are above`,
      );
      await waitForAll(ssm, started, since, options, results);
    }
  } catch (error) {
    // Only a bug gets here; what was started must still be reported, never lost.
    const ids = new Map(started.map((run) => [run.request.resource, run.executionId]));
    for (const request of requests) {
      if (results.has(request.resource)) continue;
      const executionId = ids.get(request.resource);
      results.set(
        request.resource,
        executionId === undefined
          ? {
              resource: request.resource,
              status: 'skipped',
              message: `not started: ${errorMessage(error)}`,
            }
          : {
              resource: request.resource,
              status: 'failed',
              executionId,
              message: `its outcome is unknown: ${errorMessage(error)}`,
            },
      );
    }
  }
  return requests.map(
    (request) =>
      results.get(request.resource) ?? {
        resource: request.resource,
        status: 'skipped',
        message: 'not started',
      },
  );
}
