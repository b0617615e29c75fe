import { defaultDeps } from './deps';
import { createHandler } from './handler';

export const handler = createHandler(defaultDeps());
