import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudTrailEvent } from '../../actions/src/lambda/auto-tag/events';

const FIXTURES = join(__dirname, '..', 'fixtures', 'cloudtrail');

/** The fixtures' account: replaced by moto's in the moto tests. */
export const FIXTURE_ACCOUNT = '111122223333';

/**
 * A fixture event, with literal substitutions applied to its JSON text (ids, names, account),
 * so a test can point the documented shape at resources it really created.
 */
export function fixture(eventName: string, replace: Record<string, string> = {}): CloudTrailEvent {
  let text = readFileSync(join(FIXTURES, `${eventName}.json`), 'utf8');
  for (const [from, to] of Object.entries(replace)) text = text.split(from).join(to);
  return JSON.parse(text) as CloudTrailEvent;
}
