// CLI commands that act on a running context. Filled by the auth and audit modules.
import type { AppContext } from '../app/context.ts';

export async function runUserInvite(_context: AppContext, _args: string[]): Promise<number> {
  process.stderr.write('user invite is not available yet.\n');
  return 1;
}

export async function runAuditVerify(_context: AppContext): Promise<number> {
  process.stderr.write('audit verify is not available yet.\n');
  return 1;
}
