import {
  checkRemediationAuditRecord,
  REMEDIATION_AUDIT_FORMAT,
  REMEDIATION_OUTCOME_STATUSES,
} from '../../actions/src/core/remediation-audit';
import schema from '../../actions/src/core/remediation-audit.schema.json';
import {
  auditRecord,
  EVERY_FIELD,
  EVERY_OUTCOME_FIELD,
} from '../fixtures/remediation-audit-records';

// The record's JSON Schema is the contract between remediate (which writes) and the daily report
// (which reads): it must say what the TypeScript interface says, field for field.
describe('remediation-audit.schema.json and RemediationAuditRecord', () => {
  it('name the same fields, top level and per outcome', () => {
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(EVERY_FIELD).sort());
    expect(Object.keys(schema.definitions.outcome.properties).sort()).toEqual(
      Object.keys(EVERY_OUTCOME_FIELD).sort(),
    );
  });

  it('agree on the format tag and the outcome statuses', () => {
    expect(schema.properties.format.const).toBe(REMEDIATION_AUDIT_FORMAT);
    expect(schema.definitions.outcome.properties.status.enum).toEqual([
      ...REMEDIATION_OUTCOME_STATUSES,
    ]);
  });

  it('take a record with every field, and one with only the required ones', () => {
    const full = { ...EVERY_FIELD, outcomes: [EVERY_OUTCOME_FIELD] };
    expect(checkRemediationAuditRecord(full)).toEqual({ record: full });
    const minimal = {
      format: REMEDIATION_AUDIT_FORMAT,
      id: 'local-1',
      actor: 'alice',
      startedAt: '2026-03-02T04:15:00Z',
      finishedAt: '2026-03-02T04:16:00Z',
      rule: 'restricted-ssh',
      source: 'resources',
      dryRun: true,
      region: 'eu-west-1',
      outcomes: [{ resource: 'sg-1', status: 'planned' }],
    };
    expect(checkRemediationAuditRecord(minimal)).toEqual({ record: minimal });
  });
});

describe('checkRemediationAuditRecord', () => {
  it.each<[string, unknown, RegExp]>([
    ['an array', [auditRecord()], /^is not a JSON object/],
    ['null', null, /^is not a JSON object/],
    ['a report state', { schema: 'assetguard-report-state/1' }, /\(format missing, expected/],
    [
      'a later format',
      auditRecord({ format: 'assetguard-remediation-audit/2' as never }),
      /\(format "assetguard-remediation-audit\/2", expected "assetguard-remediation-audit\/1"\)/,
    ],
  ])('calls %s foreign', (_what, value, message) => {
    const checked = checkRemediationAuditRecord(value);
    expect(checked).toEqual({ foreign: expect.stringMatching(message) as unknown });
  });

  it.each<[string, unknown, string]>([
    [
      'a missing actor',
      { ...auditRecord(), actor: undefined },
      "must have required property 'actor'",
    ],
    ['an empty rule', auditRecord({ rule: '' }), '/rule: must NOT have fewer than 1 characters'],
    [
      'a time that is no time',
      auditRecord({ finishedAt: 'yesterday' }),
      '/finishedAt: must match format "date-time"',
    ],
    ['dryRun as text', { ...auditRecord(), dryRun: 'false' }, '/dryRun: must be boolean'],
    [
      'an unknown status',
      auditRecord({ outcomes: [{ resource: 'sg-1', status: 'done' as never }] }),
      '/outcomes/0/status: must be equal to one of the allowed values',
    ],
    [
      'an unknown key',
      { ...auditRecord(), approver: 'bob' },
      '(top level): unknown key "approver"',
    ],
    [
      'an account that is no account id',
      auditRecord({ accountId: '1234' }),
      '/accountId: must match pattern',
    ],
  ])('refuses %s, naming the field', (_what, value, problem) => {
    const checked = checkRemediationAuditRecord(value);
    expect('invalid' in checked && checked.invalid).toContain(problem);
    expect('invalid' in checked && checked.invalid).toMatch(
      /^does not match the assetguard-remediation-audit\/1 schema: /,
    );
  });

  it('names at most five problems and counts the rest', () => {
    const checked = checkRemediationAuditRecord({
      format: REMEDIATION_AUDIT_FORMAT,
      a: 1,
      b: 2,
      c: 3,
    });
    expect('invalid' in checked && checked.invalid).toMatch(/\(and \d+ more\)$/);
  });
});
