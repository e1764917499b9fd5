import { startOrExit } from '@sluice/platform';
import { runAuditVerify } from './audit/audit-verify.command';

/** `npm run audit:verify -- [--tenant <uuid> | --platform]` (see audit/audit-verify.command.ts). */
void startOrExit('audit:verify', async () => {
  process.exitCode = await runAuditVerify(process.argv.slice(2), process.env, process.stdout, process.stderr);
});
