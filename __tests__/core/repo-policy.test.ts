import { loadPolicy } from '../../actions/src/core/policy';

describe('the repository policy (.github/assetguard.yml)', () => {
  it('is valid against the policy schema', async () => {
    const loaded = await loadPolicy('.github/assetguard.yml');
    expect(loaded.origin).toBe('.github/assetguard.yml');
    expect(loaded.policy.image.failOn).toEqual(['CRITICAL', 'HIGH']);
    expect(loaded.policy.exceptions.length).toBeGreaterThan(0);
  });
});
