import type { AppContext } from '../../app/context.ts';
import { auditOwnerStatements } from '../../db/audit-owner.ts';
import type { DomainModule } from '../../app/domain-module.ts';
import { AUDIT_ANCHOR_SCHEDULE, auditAnchorJob, readAnchorFile, writeAuditAnchor } from './audit.anchors.ts';
import { auditOwnershipProblem, sealLegacyAuditHead } from './audit.service.ts';

// The audit log has no routes of its own: other modules record events, a scheduled job anchors the head
// outside the database, and `amparo audit verify` checks.
export const auditModule: DomainModule = {
  name: 'audit',
  tables: ['audit_head', 'audit_log'],
  registerJobs(context: AppContext) {
    context.jobs.register(
      auditAnchorJob,
      async () => {
        await writeAuditAnchor(context);
      },
      { schedule: AUDIT_ANCHOR_SCHEDULE },
    );
  },
  async afterStart(context, announce) {
    await sealLegacyAuditHead(context.db, context, await readAnchorFile(context.config.audit.anchorFile));
    const ownership = await auditOwnershipProblem(context.db);
    if (ownership?.ownedByApp) {
      const message =
        `The database role ${ownership.appRole} owns the audit log, so it could delete or truncate it and ` +
        `switch off its triggers. As a PostgreSQL superuser, run in Amparo's database:\n` +
        auditOwnerStatements(ownership.appRole)
          .map((statement) => `  ${statement};`)
          .join('\n');
      context.logger.warn(
        { auditOwner: ownership.appRole, statements: auditOwnerStatements(ownership.appRole) },
        'the app role owns the audit log: a superuser must run these statements (see the README)',
      );
      announce(message);
    }
  },
};
