// CLI commands that act on a started context.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { AppContext } from '../app/context.ts';
import { ROLES } from '../db/schema.ts';
import { auditOwnerStatements } from '../db/audit-owner.ts';
import { parseAnchors, readAnchorFile } from '../modules/audit/audit.anchors.ts';
import {
  auditOwnershipProblem,
  verifyAuditChain,
  type AuditAnchor,
  type AuditProblem,
} from '../modules/audit/audit.service.ts';
import {
  createInvite,
  ensureSetupInvite,
  INVITE_TTL_MS,
  SETUP_TTL_MS,
} from '../modules/auth/invites.service.ts';

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

/** amparo user setup: a new first-run setup link (older unused ones stop working), printed here only. */
export async function runUserSetup(
  context: AppContext,
  output: CommandOutput = processOutput,
): Promise<number> {
  const link = await ensureSetupInvite(context);
  if (!link) {
    output.err('A staff account exists already: admins invite others (amparo user invite).\n');
    return 1;
  }
  output.out(
    `Open this link within ${SETUP_TTL_MS / 3_600_000} hours to create the first administrator account. ` +
      `It works once; keep it private:\n${link}\n`,
  );
  return 0;
}

/**
 * amparo audit verify [--anchor FILE]: checks the chain, the head's MAC, the append-only triggers and every
 * anchor in FILE (by default AMPARO_AUDIT_ANCHOR_FILE, when it exists; a kept log works too). Exits 1 when
 * anything was tampered with, 2 on bad input.
 */
export async function runAuditVerify(
  context: AppContext,
  args: string[] = [],
  output: CommandOutput = processOutput,
): Promise<number> {
  let anchorFile: string | undefined;
  try {
    ({
      values: { anchor: anchorFile },
    } = parseArgs({ args, options: { anchor: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    output.err(
      `${error instanceof Error ? error.message : 'Invalid arguments.'}\nUsage: amparo audit verify [--anchor FILE]\n`,
    );
    return 2;
  }
  let anchors: AuditAnchor[];
  if (anchorFile !== undefined) {
    try {
      anchors = parseAnchors(await readFile(anchorFile, 'utf8'));
    } catch {
      output.err(`Cannot read the anchor file ${anchorFile}.\n`);
      return 2;
    }
    if (anchors.length === 0) {
      output.err(`No audit anchors in ${anchorFile}.\n`);
      return 2;
    }
  } else {
    anchors = await readAnchorFile(context.config.audit.anchorFile);
  }
  const result = await verifyAuditChain(context.db, context, { anchors });
  const ownership = await auditOwnershipProblem(context.db);
  if (ownership?.ownedByApp) {
    output.err(
      `Note: the database role ${ownership.appRole} owns the audit log and could switch off its triggers. ` +
        `As a PostgreSQL superuser run:\n${auditOwnerStatements(ownership.appRole)
          .map((statement) => `  ${statement};`)
          .join('\n')}\n`,
    );
  }
  if (result.ok) {
    output.out(
      `Audit log intact: ${result.rowsChecked} entries verified` +
        (anchors.length
          ? `, consistent with ${anchors.length} anchors.\n`
          : ' (no anchors to check against).\n'),
    );
    return 0;
  }
  const at = result.brokenAt ?? '?';
  const what: Record<AuditProblem, string> = {
    row_changed: `entry ${at} was changed after it was written`,
    row_missing: `entry ${at} is missing (deleted) or out of order`,
    tail_missing: `entry ${at} and the entries after it were removed (the chain ends early)`,
    head_not_authentic: `the head (entry ${at}) was rewritten: its MAC does not match (newest entries cut?)`,
    cut_since_anchor: `entry ${at} and later ones were removed: an anchor names a later entry (cut or reset)`,
    anchor_mismatch: `entry ${at} is not the entry that was anchored: the log was replaced from there on`,
    trigger_disabled: 'an append-only trigger of the audit log is disabled, missing or altered',
  };
  output.err(
    `AUDIT LOG TAMPERED: ${what[result.problem ?? 'row_changed']}. ${result.rowsChecked} entries before it verified.\n`,
  );
  return 1;
}
