import {
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  SSMClient,
  StartAutomationExecutionCommand,
  type GetAutomationExecutionCommandOutput,
  type StepExecution,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { Clock } from '../../actions/src/core/clock';
import { UndecidedError } from '../../actions/src/core/errors';
import {
  readExecution,
  runAutomations,
  type AutomationRequest,
} from '../../actions/src/sinks/automation';

// SSM Automation is not in moto: these answers follow the botocore model (ssm 2014-11-06,
// service-2.json): StartAutomationExecutionResult, GetAutomationExecutionResult with its
// AutomationExecution and StepExecution shapes, DescribeAutomationStepExecutionsResult.

const ssm = new SSMClient({ region: 'eu-west-1', maxAttempts: 1 });
const mock = mockClient(ssm);

const ROLE = 'arn:aws:iam::123456789012:role/assetguard-remediation-automation';
const ID_A = '4105a4fc-f944-11e6-9d32-0a1b2c3d4e5f';
const ID_B = '5216b5ad-0a55-11e6-9d32-0a1b2c3d4e5f';
const T0 = Date.parse('2026-11-30T04:00:00.000Z');

function fakeClock(): { clock: Clock; sleeps: number[]; elapsed: () => number } {
  let now = T0;
  const sleeps: number[] = [];
  return {
    clock: {
      now: () => new Date(now),
      sleep: (ms) => {
        sleeps.push(ms);
        now += ms;
        return Promise.resolve();
      },
    },
    sleeps,
    elapsed: () => now - T0,
  };
}

const request = (resource: string): AutomationRequest => ({
  resource,
  document: 'AWS-DisableIncomingSSHOnPort22',
  parameters: { SecurityGroupIds: resource, AutomationAssumeRole: ROLE },
});

function step(name: string, status: string, extra: Partial<StepExecution> = {}): StepExecution {
  return {
    StepName: name,
    Action: 'aws:executeScript',
    StepStatus: status as StepExecution['StepStatus'],
    ExecutionStartTime: new Date(T0),
    StepExecutionId: `${name}-0001`,
    ...extra,
  };
}

/** A GetAutomationExecution answer, shaped as the API returns it. */
function execution(
  id: string,
  status: string,
  steps: StepExecution[] = [],
  extra: Record<string, unknown> = {},
): GetAutomationExecutionCommandOutput {
  return {
    $metadata: {},
    AutomationExecution: {
      AutomationExecutionId: id,
      DocumentName: 'AWS-DisableIncomingSSHOnPort22',
      DocumentVersion: '1',
      ExecutionStartTime: new Date(T0),
      AutomationExecutionStatus: status as 'Success',
      StepExecutions: steps,
      StepExecutionsTruncated: false,
      Parameters: { AutomationAssumeRole: [ROLE] },
      Mode: 'Auto',
      ExecutedBy: 'arn:aws:sts::123456789012:assumed-role/assetguard/gha',
      ...extra,
    },
  };
}

let lines: string[] = [];
const log = (line: string): void => {
  lines.push(line);
};

beforeEach(() => {
  mock.reset();
  lines = [];
});

afterAll(() => {
  ssm.destroy();
});

describe('runAutomations', () => {
  it('starts each runbook one by one, spaced, then waits until every one has ended', async () => {
    const { clock, sleeps } = fakeClock();
    const started: { at: number; input: unknown }[] = [];
    const ids = [ID_A, ID_B];
    mock.on(StartAutomationExecutionCommand).callsFake((input: unknown) => {
      started.push({ at: clock.now().getTime(), input });
      return { AutomationExecutionId: ids[started.length - 1] };
    });
    mock
      .on(GetAutomationExecutionCommand, { AutomationExecutionId: ID_A })
      .resolvesOnce(
        execution(ID_A, 'InProgress', [step('DisableIncomingSSHTemplate', 'InProgress')]),
      )
      .resolves(execution(ID_A, 'Success', [step('DisableIncomingSSHTemplate', 'Success')]));
    mock
      .on(GetAutomationExecutionCommand, { AutomationExecutionId: ID_B })
      .resolves(execution(ID_B, 'Success', [step('DisableIncomingSSHTemplate', 'Success')]));
    const tokens = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
    const results = await runAutomations(ssm, [request('sg-0aaa'), request('sg-0bbb')], {
      clock,
      log,
      timeoutMs: 30 * 60_000,
      startIntervalMs: 1_000,
      pollIntervalMs: 5_000,
      clientToken: () => tokens.shift() ?? '',
    });
    expect(results).toEqual([
      { resource: 'sg-0aaa', status: 'success', executionId: ID_A, executionStatus: 'Success' },
      { resource: 'sg-0bbb', status: 'success', executionId: ID_B, executionStatus: 'Success' },
    ]);
    // Sequential and spaced: the second start waited for the interval.
    expect(started.map(({ at }) => at - T0)).toEqual([0, 1_000]);
    expect(started[0]?.input).toEqual({
      DocumentName: 'AWS-DisableIncomingSSHOnPort22',
      Parameters: { SecurityGroupIds: ['sg-0aaa'], AutomationAssumeRole: [ROLE] },
      ClientToken: '11111111-1111-4111-8111-111111111111',
    });
    expect(sleeps).toEqual([1_000, 5_000]);
    expect(lines).toEqual([
      `started AWS-DisableIncomingSSHOnPort22 on sg-0aaa: execution ${ID_A}`,
      `started AWS-DisableIncomingSSHOnPort22 on sg-0bbb: execution ${ID_B}`,
      'waiting for 2 execution(s), at most 30m; if this run is stopped before they end, they go on in AWS and no audit record is written: their ids are above',
      'automation: 1 running, 1 succeeded, 0 failed, 0 timed out; 1s elapsed (timeout 30m)',
      'automation: 0 running, 2 succeeded, 0 failed, 0 timed out; 6s elapsed (timeout 30m)',
    ]);
  });

  it('a failed step fails the resource: the step by name, and AWS FailureMessage', async () => {
    const { clock } = fakeClock();
    mock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: ID_A });
    mock.on(GetAutomationExecutionCommand).resolves(
      execution(
        ID_A,
        'Failed',
        [
          step('CheckSecurityGroup', 'Success'),
          step('DisableIncomingSSHTemplate', 'Failed', {
            FailureMessage:
              'Step fails when it is Execution. An error occurred (InvalidPermission.NotFound)',
            FailureDetails: { FailureStage: 'Execution', FailureType: 'Verification' },
          }),
          step('Report', 'Pending'),
        ],
        {
          FailureMessage:
            'Step fails when it is Execution. An error occurred (InvalidPermission.NotFound)',
        },
      ),
    );
    const [result] = await runAutomations(ssm, [request('sg-0aaa')], {
      clock,
      log,
      timeoutMs: 60_000,
    });
    expect(result).toEqual({
      resource: 'sg-0aaa',
      status: 'failed',
      executionId: ID_A,
      executionStatus: 'Failed',
      failedStep: 'DisableIncomingSSHTemplate',
      message: 'Step fails when it is Execution. An error occurred (InvalidPermission.NotFound)',
    });
  });

  it('an execution that reports Success with a Failed step is not a success', async () => {
    const { clock } = fakeClock();
    mock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: ID_A });
    mock.on(GetAutomationExecutionCommand).resolves(
      execution(ID_A, 'Success', [
        step('DisableIncomingSSHTemplate', 'Failed', {
          FailureMessage: 'no such rule',
          OnFailure: 'Continue',
        }),
        step('Report', 'Success'),
      ]),
    );
    const [result] = await runAutomations(ssm, [request('sg-0aaa')], {
      clock,
      log,
      timeoutMs: 60_000,
    });
    expect(result).toMatchObject({
      status: 'failed',
      executionStatus: 'Success',
      failedStep: 'DisableIncomingSSHTemplate',
      message:
        'the execution reports Success, but step DisableIncomingSSHTemplate ended Failed: no such rule',
    });
  });

  it('an execution AWS reports TimedOut is timed out, with the step that timed out', async () => {
    const { clock } = fakeClock();
    mock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: ID_A });
    mock.on(GetAutomationExecutionCommand).resolves(
      execution(ID_A, 'TimedOut', [
        step('WaitForInstance', 'TimedOut', {
          TimeoutSeconds: 600,
          FailureMessage: 'Step timed out',
        }),
      ]),
    );
    const [result] = await runAutomations(ssm, [request('sg-0aaa')], {
      clock,
      log,
      timeoutMs: 60_000,
    });
    expect(result).toEqual({
      resource: 'sg-0aaa',
      status: 'timed-out',
      executionId: ID_A,
      executionStatus: 'TimedOut',
      failedStep: 'WaitForInstance',
      message: 'Step timed out',
    });
  });

  it.each([['Cancelled'], ['CompletedWithFailure'], ['Rejected'], ['Exited']])(
    'an execution that ended %s is failed',
    async (status) => {
      const { clock } = fakeClock();
      mock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: ID_A });
      mock.on(GetAutomationExecutionCommand).resolves(execution(ID_A, status));
      const [result] = await runAutomations(ssm, [request('sg-0aaa')], {
        clock,
        log,
        timeoutMs: 60_000,
      });
      expect(result).toMatchObject({
        status: 'failed',
        executionStatus: status,
        message: `the execution ended ${status}`,
      });
    },
  );

  it('one still running when our timeout passes is timed out, and the wait ends there', async () => {
    const { clock, elapsed } = fakeClock();
    mock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: ID_A });
    mock
      .on(GetAutomationExecutionCommand)
      .resolves(execution(ID_A, 'InProgress', [step('DisableIncomingSSHTemplate', 'InProgress')]));
    const [result] = await runAutomations(ssm, [request('sg-0aaa')], {
      clock,
      log,
      timeoutMs: 5 * 60_000,
      pollIntervalMs: 20_000,
    });
    expect(result).toEqual({
      resource: 'sg-0aaa',
      status: 'timed-out',
      executionId: ID_A,
      executionStatus: 'InProgress',
      message: `still InProgress after 5m: assetguard stopped waiting, and the execution goes on in AWS (look up execution ${ID_A})`,
    });
    expect(elapsed()).toBe(5 * 60_000);
    // Progress while nothing changes: the first read, then about once a minute.
    expect(lines.filter((line) => line.startsWith('automation: 1 running')).length).toBe(6);
  });

  it('reads every step page when the answer says its step list is truncated', async () => {
    const { clock } = fakeClock();
    mock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: ID_A });
    mock
      .on(GetAutomationExecutionCommand)
      .resolves(
        execution(ID_A, 'Failed', [step('One', 'Success')], { StepExecutionsTruncated: true }),
      );
    mock
      .on(DescribeAutomationStepExecutionsCommand, {
        AutomationExecutionId: ID_A,
        NextToken: undefined,
      })
      .resolves({ StepExecutions: [step('One', 'Success')], NextToken: 'page-2' })
      .on(DescribeAutomationStepExecutionsCommand, {
        AutomationExecutionId: ID_A,
        NextToken: 'page-2',
      })
      .resolves({ StepExecutions: [step('Two', 'Failed', { FailureMessage: 'denied' })] });
    const [result] = await runAutomations(ssm, [request('sg-0aaa')], {
      clock,
      log,
      timeoutMs: 60_000,
    });
    expect(result).toMatchObject({
      status: 'failed',
      failedStep: 'Two',
      message: 'denied',
    });
    expect(mock.commandCalls(DescribeAutomationStepExecutionsCommand)).toHaveLength(2);
  });

  it('stops starting at the first start that fails, naming the permission; the rest are skipped', async () => {
    const { clock } = fakeClock();
    mock.on(StartAutomationExecutionCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: ssm:StartAutomationExecution'), {
        name: 'AccessDeniedException',
      }),
    );
    const results = await runAutomations(ssm, [request('sg-0aaa'), request('sg-0bbb')], {
      clock,
      log,
      timeoutMs: 60_000,
    });
    expect(results).toEqual([
      {
        resource: 'sg-0aaa',
        status: 'failed',
        message:
          'could not start AWS-DisableIncomingSSHOnPort22 on sg-0aaa: AccessDeniedException: User is not authorized to perform: ssm:StartAutomationExecution — grant ssm:StartAutomationExecution',
      },
      {
        resource: 'sg-0bbb',
        status: 'skipped',
        message: 'not started: starting stopped when sg-0aaa could not start',
      },
    ]);
    expect(mock.commandCalls(StartAutomationExecutionCommand)).toHaveLength(1);
    expect(mock.commandCalls(GetAutomationExecutionCommand)).toHaveLength(0);
  });

  describe('malformed answers are never read as success', () => {
    it('a start answered without an AutomationExecutionId', async () => {
      const { clock } = fakeClock();
      mock.on(StartAutomationExecutionCommand).resolves({});
      const results = await runAutomations(ssm, [request('sg-0aaa'), request('sg-0bbb')], {
        clock,
        log,
        timeoutMs: 60_000,
      });
      expect(results.map((result) => result.status)).toEqual(['failed', 'skipped']);
      expect(results[0]?.message).toMatch(
        /^ssm:StartAutomationExecution answered AWS-DisableIncomingSSHOnPort22 on sg-0aaa without a 36-character AutomationExecutionId/,
      );
    });

    it.each([
      ['a status outside the API enum', execution(ID_A, 'Done')],
      ['no AutomationExecution', { $metadata: {} }],
      ['a step without StepStatus', execution(ID_A, 'Success', [{ StepName: 'x' }])],
      ['another execution', execution(ID_B, 'Success')],
    ])('an execution read back with %s', async (_name, answer) => {
      const { clock } = fakeClock();
      mock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: ID_A });
      mock.on(GetAutomationExecutionCommand).resolves(answer);
      await expect(readExecution(ssm, ID_A)).rejects.toBeInstanceOf(UndecidedError);
      const [result] = await runAutomations(ssm, [request('sg-0aaa')], {
        clock,
        log,
        timeoutMs: 60_000,
      });
      expect(result).toMatchObject({ status: 'failed', executionId: ID_A });
      expect(result?.message).toMatch(
        /^its outcome could not be read \(ssm:GetAutomationExecution answered/,
      );
      expect(result?.message).toContain(`it may still be running: look up execution ${ID_A}`);
    });

    it('an AWS error while reading names the call and the permission', async () => {
      const { clock } = fakeClock();
      mock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: ID_A });
      mock
        .on(GetAutomationExecutionCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
      const [result] = await runAutomations(ssm, [request('sg-0aaa')], {
        clock,
        log,
        timeoutMs: 60_000,
      });
      expect(result?.message).toContain(
        `could not read automation execution ${ID_A}: AccessDeniedException: denied — grant ssm:GetAutomationExecution`,
      );
    });
  });
});
