// CLI commands that act on a started context.
import { parseArgs } from 'node:util';
import type { AppContext } from '../app/context.ts';
import { ROLES } from '../db/schema.ts';
import { verifyAuditChain } from '../modules/audit/audit.service.ts';
import { createInvite, INVITE_TTL_MS } from '../modules/auth/invites.service.ts';

export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CommandOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** amparo user invite --email E --role R: prints a single-use link; exits 2 on bad input. */
export async function runUserInvite(
  context: AppContext,
  args: string[],
  output: CommandOutput = processOutput,
): Promise<number> {
  const usage = `Usage: amparo user invite --email someone@example.org --role <${ROLES.join('|')}>\n`;
  let values: { email?: string | undefined; role?: string | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: { email: { type: 'string' }, role: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    output.err(`${error instanceof Error ? error.message : 'Invalid arguments.'}\n${usage}`);
    return 2;
  }
  if (!values.email || !values.role) {
    output.err(`Both --email and --role are needed.\n${usage}`);
    return 2;
  }
  // The CLI is the operator's own machine: there is no staff member behind it, so the audit actor is null.
  const result = await createInvite(context, { email: values.email, role: values.role, createdBy: null });
  if (!result.ok) {
    const message = {
      invalid_email: 'That does not look like an email address.',
      invalid_role: `Unknown role "${values.role}". Roles: ${ROLES.join(', ')}.`,
      email_taken: 'Someone with this email already has an account.',
    }[result.problem];
    output.err(`${message}\n${usage}`);
    return 2;
  }
  output.out(
    `Invitation for the role ${values.role}. Send this link to the person privately; it works once and ` +
      `expires in ${INVITE_TTL_MS / 3_600_000} hours:\n${result.link}\n`,
  );
  return 0;
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
