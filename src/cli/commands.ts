// CLI commands that act on a started context.
import type { AppContext } from '../app/context.ts';
import { verifyAuditChain } from '../modules/audit/audit.service.ts';

export async function runUserInvite(_context: AppContext, _args: string[]): Promise<number> {
  process.stderr.write('user invite is not available yet.\n');
  return 1;
}

export async function runAuditVerify(context: AppContext): Promise<number> {
  const result = await verifyAuditChain(context.db, context);
  if (result.ok) {
    process.stdout.write(`Audit log intact: ${result.rowsChecked} entries verified.\n`);
    return 0;
  }
  const what = {
    row_changed: 'was changed after it was written',
    row_missing: 'is missing (deleted) or out of order',
    tail_missing: 'and the entries after it were removed (the chain ends early)',
  }[result.problem ?? 'row_changed'];
  process.stderr.write(
    `AUDIT LOG TAMPERED: entry ${result.brokenAt ?? '?'} ${what}. ${result.rowsChecked} entries before it verified.\n`,
  );
  return 1;
}
