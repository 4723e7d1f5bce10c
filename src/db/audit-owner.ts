// The role that owns the audit log on PostgreSQL, and the statements that hand the log to it. Shared by the
// migration (run as a superuser), the start-up check and the README's instructions for a non-superuser app role.

export const AUDIT_OWNER_ROLE = 'amparo_audit_owner';

function identifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** What a superuser runs, in the app's database, to give the audit log to its own role (idempotent). */
export function auditOwnerStatements(appRole: string): string[] {
  return [
    // Roles belong to the whole server: two databases migrating at once may both try to create it.
    `do $$ begin if not exists (select 1 from pg_roles where rolname = '${AUDIT_OWNER_ROLE}') then ` +
      `create role ${AUDIT_OWNER_ROLE} nologin; end if; ` +
      `exception when duplicate_object or unique_violation then null; end $$`,
    `alter table audit_log owner to ${AUDIT_OWNER_ROLE}`,
    `alter function audit_log_refuse_change() owner to ${AUDIT_OWNER_ROLE}`,
    `revoke all on audit_log from public`,
    `revoke all on audit_log from ${identifier(appRole)}`,
    `grant select, insert on audit_log to ${identifier(appRole)}`,
  ];
}
