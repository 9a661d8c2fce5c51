// The entry for `npx @github/local-action run actions/promote-model src/local.ts .env`, which
// imports a module and calls its exported run(); main.ts runs on import instead.
import { runAction } from '../../shared/actionRuntime.ts';
import { parseInputs } from './inputs.ts';
import { run as runPromoteModel } from './run.ts';

export const run = (): Promise<void> => runAction(parseInputs, runPromoteModel);
