import { runAction } from '../core/action';
import { run } from './main';

void runAction('compliance-gate', run);
