import { auditIdentity } from '../../actions/src/remediate/run';

describe('auditIdentity: who ran remediate, and the id of its audit record', () => {
  const ACTIONS = {
    GITHUB_ACTOR: 'octocat',
    GITHUB_REPOSITORY: 'acme/infra',
    GITHUB_RUN_ID: '9001',
    GITHUB_RUN_ATTEMPT: '2',
  };
  const uuids = (...ids: string[]): (() => string) => {
    let next = 0;
    return () => ids[next++ % ids.length] ?? '';
  };

  it('keeps the run and attempt for people, and is unique per step', () => {
    const randomId = uuids(
      '3f2a9c1d-0000-4000-8000-000000000000',
      '77b0e2aa-0000-4000-8000-000000000000',
    );
    const env = { ...ACTIONS, GITHUB_JOB: 'remediate' };
    // Two steps (or matrix legs) of one run and attempt: one job id, two records.
    const first = auditIdentity(env, randomId);
    const second = auditIdentity(env, randomId);
    expect(first).toEqual({
      id: '9001-2-remediate-3f2a9c1d',
      actor: 'octocat',
      repository: 'acme/infra',
      runUrl: 'https://github.com/acme/infra/actions/runs/9001',
    });
    expect(second.id).toBe('9001-2-remediate-77b0e2aa');
  });

  it('names the job only with characters safe in a key, and briefly', () => {
    const { id } = auditIdentity(
      { ...ACTIONS, GITHUB_JOB: `fix it/${'x'.repeat(80)}` },
      uuids('abcdef12-3456'),
    );
    expect(id).toBe(`9001-2-fix-it-${'x'.repeat(33)}-abcdef12`);
  });

  it('without a job, the run, attempt and random part', () => {
    expect(auditIdentity({ GITHUB_RUN_ID: '5' }, uuids('0123abcd-ef')).id).toBe('5-1-0123abcd');
  });

  it('outside Actions: the random id whole', () => {
    const identity = auditIdentity({}, uuids('3f2a9c1d-0000-4000-8000-000000000000'));
    expect(identity.id).toBe('3f2a9c1d-0000-4000-8000-000000000000');
    expect(identity.runUrl).toBeUndefined();
  });
});
