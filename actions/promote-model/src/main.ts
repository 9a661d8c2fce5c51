import { runAction } from '../../shared/actionRuntime.ts';
import { parseInputs } from './inputs.ts';
import { run } from './run.ts';

await runAction(parseInputs, run);
