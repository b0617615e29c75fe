import { runAction } from '../core/action';
import { run } from './main';

void runAction('tag-policy', run);
