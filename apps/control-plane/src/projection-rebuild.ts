import { startOrExit } from '@sluice/platform';
import { runProjectionRebuild } from './projection/projection-rebuild.command';

/** `npm run projection:rebuild` (see projection/projection-rebuild.command.ts). */
void startOrExit('projection:rebuild', async () => {
  process.exitCode = await runProjectionRebuild(process.env, process.stdout);
});
