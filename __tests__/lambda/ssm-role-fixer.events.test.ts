import { UndecidedError } from '../../actions/src/core/errors';
import {
  MalformedEventError,
  eventPatterns,
  parseFixerEvent,
} from '../../actions/src/lambda/ssm-role-fixer/events';
import {
  FIXTURE_ACCOUNT,
  FIXTURE_ASSOCIATION,
  FIXTURE_INSTANCE,
  fixerEvent,
} from '../fixtures/ssm-role-fixer';

/**
 * EventBridge's matching for the pattern forms the rules use: a list of exact values, and
 * `{ exists: false }`; nested objects match nested fields.
 */
function matches(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((allowed) => {
      if (typeof allowed === 'object' && allowed !== null && 'exists' in allowed) {
        return (allowed as { exists: boolean }).exists === (event !== undefined);
      }
      return event === allowed;
    });
  }
  if (typeof pattern !== 'object' || pattern === null) return false;
  return Object.entries(pattern).every(([key, sub]) =>
    matches(sub, (event as Record<string, unknown> | undefined)?.[key]),
  );
}

function malformed(event: unknown): { field: string; problem: string } {
  try {
    parseFixerEvent(event);
  } catch (error) {
    if (error instanceof MalformedEventError) return { field: error.field, problem: error.problem };
    throw error;
  }
  throw new Error('parsed without error');
}

describe('parseFixerEvent: the documented events', () => {
  it('reads the instance and state of an EC2 state-change event', () => {
    expect(parseFixerEvent(fixerEvent('state-change-running'))).toEqual({
      kind: 'state-change',
      id: '7bf73129-1428-4cd3-a780-95db273d1602',
      account: FIXTURE_ACCOUNT,
      region: 'ap-northeast-2',
      time: '2026-03-02T09:10:54Z',
      instanceId: FIXTURE_INSTANCE,
      state: 'running',
    });
  });

  it('reads the instance of an AssociateIamInstanceProfile record from its request', () => {
    const event = fixerEvent('AssociateIamInstanceProfile');
    // The request alone is enough: a record whose response is null still names the instance.
    event.detail.responseElements = null;
    expect(parseFixerEvent(event)).toEqual({
      kind: 'api-call',
      id: '5b8c9d2e-0000-4000-8000-0000000000a1',
      account: FIXTURE_ACCOUNT,
      region: 'ap-northeast-2',
      time: '2026-03-02T09:12:30Z',
      eventName: 'AssociateIamInstanceProfile',
      instanceId: FIXTURE_INSTANCE,
      caller: 'arn:aws:sts::111122223333:assumed-role/platform-operator/ops-session',
    });
  });

  it('reads the instance of a ReplaceIamInstanceProfileAssociation record from its response, and keeps the replaced association', () => {
    expect(parseFixerEvent(fixerEvent('ReplaceIamInstanceProfileAssociation'))).toMatchObject({
      kind: 'api-call',
      eventName: 'ReplaceIamInstanceProfileAssociation',
      instanceId: FIXTURE_INSTANCE,
      associationId: FIXTURE_ASSOCIATION,
    });
  });

  it('keeps only the association id of a Replace record without a response (the request names no instance)', () => {
    const event = fixerEvent('ReplaceIamInstanceProfileAssociation');
    delete event.detail.responseElements;
    const parsed = parseFixerEvent(event);
    expect(parsed).toMatchObject({ kind: 'api-call', associationId: FIXTURE_ASSOCIATION });
    expect(parsed.instanceId).toBeUndefined();
  });

  it('returns a failed call with its error code and no instance, whatever its request held', () => {
    const event = fixerEvent('AssociateIamInstanceProfile');
    event.detail.errorCode = 'Client.UnauthorizedOperation';
    event.detail.errorMessage = 'You are not authorized to perform this operation.';
    event.detail.requestParameters = { AssociateIamInstanceProfileRequest: {} };
    event.detail.responseElements = null;
    expect(parseFixerEvent(event)).toMatchObject({
      kind: 'api-call',
      errorCode: 'Client.UnauthorizedOperation',
    });
  });

  it('accepts 8-digit (older) instance ids', () => {
    const event = fixerEvent('state-change-running', { [FIXTURE_INSTANCE]: 'i-0abc1234' });
    expect(parseFixerEvent(event).instanceId).toBe('i-0abc1234');
  });
});

describe('parseFixerEvent: anything else is named', () => {
  const replaceRequest = 'ReplaceIamInstanceProfileAssociationRequest';
  it.each<[string, () => unknown, string, RegExp]>([
    ['not an object', () => 'event', 'event', /is not an object/],
    ['null', () => null, 'event', /is not an object/],
    [
      'another source',
      () => ({ ...fixerEvent('state-change-running'), source: 'aws.s3' }),
      'source',
      /"aws\.s3", not aws\.ec2/,
    ],
    [
      'an unknown detail-type',
      () => ({
        ...fixerEvent('state-change-running'),
        'detail-type': 'EC2 Spot Instance Interruption Warning',
      }),
      'detail-type',
      /not "EC2 Instance State-change Notification" or "AWS API Call via CloudTrail"/,
    ],
    [
      'an event without its account (EventBridge always sets it)',
      () => {
        const event = fixerEvent('state-change-running');
        delete event.account;
        return event;
      },
      'account',
      /is missing/,
    ],
    [
      'an account that is not 12 digits',
      () => fixerEvent('AssociateIamInstanceProfile', { [FIXTURE_ACCOUNT]: 'acme' }),
      'account',
      /is "acme", not a 12-digit account id/,
    ],
    [
      'an event whose region is null',
      () => ({ ...fixerEvent('ReplaceIamInstanceProfileAssociation'), region: null }),
      'region',
      /is not a string/,
    ],
    [
      'a region that is no region name',
      () => fixerEvent('state-change-running', { 'ap-northeast-2': 'Seoul' }),
      'region',
      /is "Seoul", not a region name/,
    ],
    [
      'a state change without detail',
      () => ({ ...fixerEvent('state-change-running'), detail: undefined }),
      'detail',
      /is missing/,
    ],
    [
      'a state change without instance',
      () => {
        const event = fixerEvent('state-change-running');
        delete event.detail['instance-id'];
        return event;
      },
      'detail.instance-id',
      /is missing/,
    ],
    [
      'a state change whose instance id is not one',
      () => fixerEvent('state-change-running', { [FIXTURE_INSTANCE]: '$(reboot)' }),
      'detail.instance-id',
      /not an instance id/,
    ],
    [
      'a state change with an empty state',
      () => {
        const event = fixerEvent('state-change-running');
        event.detail.state = ' ';
        return event;
      },
      'detail.state',
      /is empty/,
    ],
    [
      'another CloudTrail call',
      () => {
        const event = fixerEvent('AssociateIamInstanceProfile');
        event.detail.eventName = 'DisassociateIamInstanceProfile';
        return event;
      },
      'detail.eventName',
      /not one of AssociateIamInstanceProfile, ReplaceIamInstanceProfileAssociation/,
    ],
    [
      'another service',
      () => {
        const event = fixerEvent('AssociateIamInstanceProfile');
        event.detail.eventSource = 'iam.amazonaws.com';
        return event;
      },
      'detail.eventSource',
      /not ec2\.amazonaws\.com/,
    ],
    [
      'an Associate record without its request element',
      () => {
        const event = fixerEvent('AssociateIamInstanceProfile');
        event.detail.requestParameters = { instanceId: FIXTURE_INSTANCE };
        return event;
      },
      'detail.requestParameters.AssociateIamInstanceProfileRequest',
      /is missing/,
    ],
    [
      'an Associate record whose request names no instance',
      () => {
        const event = fixerEvent('AssociateIamInstanceProfile');
        event.detail.requestParameters = { AssociateIamInstanceProfileRequest: {} };
        return event;
      },
      'detail.requestParameters.AssociateIamInstanceProfileRequest.InstanceId',
      /is missing/,
    ],
    [
      'a Replace record whose association id is not one',
      () => {
        const event = fixerEvent('ReplaceIamInstanceProfileAssociation', {
          [FIXTURE_ASSOCIATION]: 'assoc-1',
        });
        return event;
      },
      `detail.requestParameters.${replaceRequest}.AssociationId`,
      /not an instance profile association id/,
    ],
    [
      'a Replace record whose response instance id is not one',
      () => {
        const event = fixerEvent('ReplaceIamInstanceProfileAssociation');
        const text = JSON.stringify(event).replace(
          `"instanceId":"${FIXTURE_INSTANCE}"`,
          '"instanceId":42',
        );
        return JSON.parse(text) as unknown;
      },
      'detail.responseElements.ReplaceIamInstanceProfileAssociationResponse.iamInstanceProfileAssociation.instanceId',
      /is not a string/,
    ],
  ])('%s', (_name, event, field, problem) => {
    const found = malformed(event());
    expect(found.field).toBe(field);
    expect(found.problem).toMatch(problem);
  });

  it('says malformed in the message and is an UndecidedError (exit 2 family)', () => {
    expect(() => parseFixerEvent({ source: 'aws.ec2' })).toThrow(UndecidedError);
    expect(() => parseFixerEvent({ source: 'aws.ec2' })).toThrow(
      /^malformed ssm-role-fixer event: detail-type is missing$/,
    );
  });
});

describe('eventPatterns', () => {
  const { stateChange, apiCalls } = eventPatterns();

  it('the state-change rule takes running instances only', () => {
    const running = fixerEvent('state-change-running');
    expect(matches(stateChange, running)).toBe(true);
    expect(
      matches(stateChange, { ...running, detail: { ...running.detail, state: 'pending' } }),
    ).toBe(false);
    expect(matches(stateChange, fixerEvent('AssociateIamInstanceProfile'))).toBe(false);
  });

  it('the CloudTrail rule takes successful Associate and Replace calls only', () => {
    expect(matches(apiCalls, fixerEvent('AssociateIamInstanceProfile'))).toBe(true);
    expect(matches(apiCalls, fixerEvent('ReplaceIamInstanceProfileAssociation'))).toBe(true);
    const failed = fixerEvent('AssociateIamInstanceProfile');
    failed.detail.errorCode = 'Client.UnauthorizedOperation';
    expect(matches(apiCalls, failed)).toBe(false);
    const other = fixerEvent('AssociateIamInstanceProfile');
    other.detail.eventName = 'DisassociateIamInstanceProfile';
    expect(matches(apiCalls, other)).toBe(false);
    expect(matches(apiCalls, fixerEvent('state-change-running'))).toBe(false);
  });

  it('every event either rule delivers parses', () => {
    for (const name of [
      'state-change-running',
      'AssociateIamInstanceProfile',
      'ReplaceIamInstanceProfileAssociation',
    ] as const) {
      const event = fixerEvent(name);
      expect(matches(stateChange, event) || matches(apiCalls, event)).toBe(true);
      expect(() => parseFixerEvent(event)).not.toThrow();
    }
  });
});
