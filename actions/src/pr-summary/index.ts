import { runAction } from '../core/runner';
import { run } from './main';

void runAction('pr-summary', run);
