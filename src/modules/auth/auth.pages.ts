// The auth module's pages: sign-in, second factor (enrolment or code), account links, the account page
// and staff administration. Everything is escaped by the html template; the one exception is the QR code
// SVG, which the server generates from the otpauth URI.
import { csrfField, errorSummary } from '../../http/form.ts';
import type { FastifyRequest } from 'fastify';
import type { Role } from '../../db/schema.ts';
import { html, trustedHtml, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { ProofOfWorkChallenge } from '../../http/proof-of-work.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords.ts';
import type { StaffListEntry } from './users.service.ts';
import type { PendingInvite } from './invites.service.ts';
import { formatTime } from '../../i18n/time.ts';
import { ROLES } from '../../db/schema.ts';
import { timeZoneField, type TimeZoneFieldState } from '../settings/settings.pages.ts';
import type { AccessRequestRow } from './access-requests.service.ts';

export const ROLE_LABELS: Record<Role, MessageKey> = {
  admin: 'users.role_admin',
  coordinator: 'users.role_coordinator',
  dispatcher: 'users.role_dispatcher',
  responder: 'users.role_responder',
  legal: 'users.role_legal',
};

export interface Notice {
  kind: 'error' | 'ok' | 'info';
  text: string;
}

function notice(value: Notice | undefined): Html | string {
  if (!value) return '';
  const className = value.kind === 'info' ? 'notice' : `notice ${value.kind}`;
  return html`<p class="${className}" role="${value.kind === 'error' ? 'alert' : 'status'}">
    ${value.text}
  </p>`;
}

function roleList(request: FastifyRequest, roles: readonly Role[]): string {
  return roles.map((role) => request.t(ROLE_LABELS[role])).join(', ');
}

interface PageBase {
  request: FastifyRequest;
  networkName: string;
}

export function loginPage(
  options: PageBase & {
    csrf: string;
    email: string;
    next: string | null;
    notice?: Notice;
    /** This client has failed too often for this email: the form carries a proof of work to solve. */
    challenge?: ProofOfWorkChallenge;
  },
): Html {
  const { request, challenge } = options;
  const t = request.t;
  // Only the client that failed gets the challenge, and with it the script; everyone else's page is plain.
  const proofNotes = challenge
    ? html`<p class="notice" id="login-proof-intro">${t('auth.proof_intro')}</p>
        <noscript><p class="notice">${t('auth.proof_no_javascript')}</p></noscript>
        <p class="notice" id="login-no-proof" hidden>${t('auth.proof_no_javascript')}</p>`
    : '';
  const proofAttributes = challenge
    ? html` id="login-form" data-challenge="${JSON.stringify(challenge)}" data-working="${t('auth.proof_working')}"
        data-failed="${t('auth.proof_failed')}" data-unsupported="login-no-proof"`
    : '';
  return renderPage({
    request,
    networkName: options.networkName,
    title: t('auth.login_title'),
    body: html`<h1>${t('auth.login_title')}</h1>
      ${
        options.notice?.kind === 'error'
          ? errorSummary(t, [{ id: 'email', text: options.notice.text }])
          : notice(options.notice)
      }
      ${proofNotes}
      <form method="post" action="/login" class="auth-form"${proofAttributes}>
        ${csrfField(options.csrf)}
        ${options.next ? html`<input type="hidden" name="next" value="${options.next}" />` : ''}
        ${challenge ? html`<input type="hidden" name="altcha" value="" />` : ''}
        <label for="email">${t('auth.email')}</label>
        <input
          type="email"
          id="email"
          name="email"
          value="${options.email}"
          autocomplete="username"
          required
          maxlength="254"
          ${options.email ? '' : html`autofocus`}
        />
        <label for="password">${t('auth.password')}</label>
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="current-password"
          required
          maxlength="${PASSWORD_MAX_LENGTH}"
          ${options.email ? html`autofocus` : ''}
        />
        ${challenge ? html`<p class="hint" id="proof-status" role="status"></p>` : ''}
        <button type="submit">${t('auth.sign_in')}</button>
      </form>`,
    ...(challenge ? { scripts: ['/assets/proof-of-work.js'] } : {}),
  });
}

function codeForm(request: FastifyRequest, csrf: string, next: string | null): Html {
  const t = request.t;
  return html`<form method="post" action="/login/second-factor" class="auth-form">
      ${csrfField(csrf)} ${next ? html`<input type="hidden" name="next" value="${next}" />` : ''}
      <label for="code">${t('auth.code')}</label>
      <input
        type="text"
        id="code"
        name="code"
        inputmode="numeric"
        pattern="[0-9 ]{6,7}"
        maxlength="7"
        autocomplete="one-time-code"
        required
        autofocus
      />
      <button type="submit">${t('auth.verify')}</button>
    </form>
    <p><a href="/login">${t('auth.start_over')}</a></p>`;
}

export function secondFactorCodePage(
  options: PageBase & { csrf: string; next: string | null; notice?: Notice },
): Html {
  const t = options.request.t;
  return renderPage({
    request: options.request,
    networkName: options.networkName,
    title: t('auth.code_title'),
    body: html`<h1>${t('auth.code_title')}</h1>
      ${notice(options.notice)}
      <p>${t('auth.code_intro')}</p>
      ${codeForm(options.request, options.csrf, options.next)}`,
  });
}

export function enrolPage(
  options: PageBase & { csrf: string; next: string | null; secret: string; qrSvg: string; notice?: Notice },
): Html {
  const t = options.request.t;
  // Groups of four are easier to type into an app by hand; apps ignore the spaces.
  const grouped = options.secret.replace(/(.{4})(?=.)/g, '$1 ');
  return renderPage({
    request: options.request,
    networkName: options.networkName,
    title: t('auth.enrol_title'),
    body: html`<h1>${t('auth.enrol_title')}</h1>
      ${notice(options.notice)}
      <p>${t('auth.enrol_intro')}</p>
      <div class="qr">${trustedHtml(options.qrSvg)}</div>
      <p>${t('auth.enrol_secret')}</p>
      <p><code class="secret" data-secret="${options.secret}">${grouped}</code></p>
      <p class="hint">${t('auth.enrol_no_sms')}</p>
      ${codeForm(options.request, options.csrf, options.next)}`,
  });
}

export function accountLinkPage(
  options: PageBase & {
    kind: 'setup' | 'invite';
    action: string;
    csrf: string;
    role: Role;
    /** The invited address (fixed) or what was typed on the setup form. */
    email: string;
    emailFixed: boolean;
    notice?: Notice;
    /** The setup page's question about the network's time zone (settings module). */
    timeZone?: TimeZoneFieldState;
  },
): Html {
  const { request } = options;
  const t = request.t;
  const title = options.kind === 'setup' ? t('auth.setup_title') : t('auth.invite_title');
  return renderPage({
    request,
    networkName: options.networkName,
    title,
    body: html`<h1>${title}</h1>
      ${notice(options.notice)}
      <p>${t('auth.invite_role', { role: t(ROLE_LABELS[options.role]) })}</p>
      <form method="post" action="${options.action}" class="auth-form">
        ${csrfField(options.csrf)}
        ${
          options.emailFixed
            ? html`<p><strong>${t('auth.email')}:</strong> ${options.email}</p>`
            : html`<label for="email">${t('auth.email')}</label>
                <input
                  type="email"
                  id="email"
                  name="email"
                  value="${options.email}"
                  autocomplete="username"
                  required
                  maxlength="254"
                />`
        }
        <label for="password"
          >${t('auth.new_password')}
          <span class="hint">${t('auth.password_hint', { min: PASSWORD_MIN_LENGTH })}</span></label
        >
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="new-password"
          required
          minlength="${PASSWORD_MIN_LENGTH}"
          maxlength="${PASSWORD_MAX_LENGTH}"
        />
        <label for="password_repeat">${t('auth.password_repeat')}</label>
        <input
          type="password"
          id="password_repeat"
          name="password_repeat"
          autocomplete="new-password"
          required
          minlength="${PASSWORD_MIN_LENGTH}"
          maxlength="${PASSWORD_MAX_LENGTH}"
        />
        ${options.timeZone ? timeZoneField(t, options.timeZone) : ''}
        <button type="submit">${t('auth.create_account')}</button>
      </form>`,
  });
}

export function accountPage(options: PageBase & { roles: readonly Role[]; csrf: string }): Html {
  const { request } = options;
  const t = request.t;
  return renderPage({
    request,
    networkName: options.networkName,
    title: t('account.title'),
    console: true,
    body: html`<h1>${t('account.title')}</h1>
      <p><strong>${t('account.roles')}:</strong> ${roleList(request, options.roles)}</p>
      <form method="post" action="/logout">
        ${csrfField(options.csrf)}
        <button type="submit" class="secondary">${t('auth.sign_out')}</button>
      </form>
      <h2>${t('account.sign_out_everywhere')}</h2>
      <p>${t('account.sign_out_everywhere_hint')}</p>
      <form method="post" action="/console/account/sign-out-everywhere">
        ${csrfField(options.csrf)}
        <button type="submit" class="danger">${t('account.sign_out_everywhere')}</button>
      </form>`,
  });
}

export interface InviteFormState {
  email: string;
  role: string;
}

export function usersPage(
  options: PageBase & {
    users: StaffListEntry[];
    /** Grants of legal or admin waiting for a second admin. */
    pending: AccessRequestRow[];
    selfId: string;
    csrf: string;
    notice?: Notice;
    /** Shown exactly once, right after the invitation was made. */
    inviteLink?: string;
    invite: InviteFormState;
    invites: PendingInvite[];
    timeZone: string;
  },
): Html {
  const { request } = options;
  const t = request.t;
  const rows = options.users.map((user) => {
    const self = user.id === options.selfId;
    const status = user.disabled ? t('users.disabled') : user.locked ? t('users.locked') : t('users.active');
    return html`<tr>
      <td>${user.email}${self ? html` <span class="status">${t('users.you')}</span>` : ''}</td>
      <td>
        <form method="post" action="/console/users/${user.id}/roles" class="roles-form">
          ${csrfField(options.csrf)}
          ${ROLES.map(
            (role) =>
              html`<label
                ><input
                  type="checkbox"
                  name="roles"
                  value="${role}"
                  ${user.roles.includes(role) ? html` checked` : ''}
                />
                ${t(ROLE_LABELS[role])}</label
              >`,
          )}
          <button type="submit" class="secondary">${t('users.save_roles')}</button>
        </form>
      </td>
      <td>${user.totpEnrolled ? t('users.yes') : t('users.no')}</td>
      <td>${status}</td>
      <td>${user.activeSessions}</td>
      <td>
        <form method="post" action="/console/users/${user.id}/revoke-sessions" class="inline-form">
          ${csrfField(options.csrf)}
          <button type="submit" class="secondary">${t('users.revoke')}</button>
        </form>
        ${
          self
            ? ''
            : user.disabled
              ? html`<form method="post" action="/console/users/${user.id}/enable" class="inline-form">
                  ${csrfField(options.csrf)}
                  <button type="submit" class="secondary">${t('users.enable')}</button>
                </form>`
              : html`<form method="post" action="/console/users/${user.id}/disable" class="inline-form">
                  ${csrfField(options.csrf)}
                  <button type="submit" class="danger">${t('users.disable')}</button>
                </form>`
        }
      </td>
    </tr>`;
  });
  const emailOf = (id: string): string =>
    options.users.find((user) => user.id === id)?.email ?? t('users.someone');
  const pending =
    options.pending.length === 0
      ? ''
      : html`<section id="access-requests" aria-labelledby="access-requests-heading">
          <h2 id="access-requests-heading">${t('users.pending_heading')}</h2>
          <p class="hint">${t('users.pending_hint')}</p>
          <ul class="access-requests">
            ${options.pending.map((request) => {
              const own = request.requested_by === options.selfId || request.user_id === options.selfId;
              return html`<li data-id="${request.id}">
                <p>
                  ${t('users.pending_item', {
                    role: t(ROLE_LABELS[request.role ?? 'legal']),
                    user: emailOf(request.user_id),
                    by: emailOf(request.requested_by),
                  })}
                </p>
                ${
                  own
                    ? html`<p class="hint">${t('users.pending_own')}</p>`
                    : html`<form method="post" action="/console/users/access-requests/${request.id}/approve" class="inline-form">
                        ${csrfField(options.csrf)}
                        <button type="submit">${t('users.approve')}</button>
                      </form>`
                }
                <form method="post" action="/console/users/access-requests/${request.id}/refuse" class="inline-form">
                  ${csrfField(options.csrf)}
                  <button type="submit" class="secondary">${t('users.refuse')}</button>
                </form>
              </li>`;
            })}
          </ul>
        </section>`;
  return renderPage({
    request,
    networkName: options.networkName,
    title: t('users.title'),
    console: true,
    body: html`<h1>${t('users.title')}</h1>
      ${notice(options.notice)} ${pending}
      ${
        options.inviteLink
          ? html`<div class="notice ok" role="status">
              <p>${t('users.invite_link')}</p>
              <p><code class="secret invite-link">${options.inviteLink}</code></p>
            </div>`
          : ''
      }
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">${t('users.email')}</th>
              <th scope="col">${t('users.roles')}</th>
              <th scope="col">${t('users.totp')}</th>
              <th scope="col">${t('users.status')}</th>
              <th scope="col">${t('users.sessions')}</th>
              <th scope="col">${t('users.actions')}</th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>
      </div>
      ${pendingInvitesSection(options, emailOf)}
      <h2>${t('users.invite_title')}</h2>
      <form method="post" action="/console/users/invite" class="auth-form">
        ${csrfField(options.csrf)}
        <label for="invite-email">${t('users.invite_email')}</label>
        <input
          type="email"
          id="invite-email"
          name="email"
          value="${options.invite.email}"
          required
          maxlength="254"
        />
        <label for="invite-role">${t('users.invite_role')}</label>
        <select id="invite-role" name="role">
          ${ROLES.map(
            (role) =>
              html`<option value="${role}" ${options.invite.role === role ? html` selected` : ''}>
                ${t(ROLE_LABELS[role])}
              </option>`,
          )}
        </select>
        <button type="submit">${t('users.invite_submit')}</button>
      </form>`,
  });
}

/** Invitations not yet used: who, which role, who invited, until when; each can be revoked or resent. */
function pendingInvitesSection(
  options: PageBase & { invites: PendingInvite[]; csrf: string; timeZone: string },
  emailOf: (id: string) => string,
): Html {
  const t = options.request.t;
  const body =
    options.invites.length === 0
      ? html`<p class="hint">${t('users.invites_none')}</p>`
      : html`<p class="hint">${t('users.invites_hint')}</p>
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">${t('users.email')}</th>
                  <th scope="col">${t('users.invite_role')}</th>
                  <th scope="col">${t('users.invite_by')}</th>
                  <th scope="col">${t('users.invite_expires')}</th>
                  <th scope="col">${t('users.actions')}</th>
                </tr>
              </thead>
              <tbody>
                ${options.invites.map(
                  (invite) =>
                    html`<tr data-invite="${invite.id}">
                      <td>${invite.email}</td>
                      <td>${t(ROLE_LABELS[invite.role])}</td>
                      <td>${invite.createdBy ? emailOf(invite.createdBy) : t('users.invite_by_server')}</td>
                      <td>${formatTime(invite.expiresAt, options.request.lang, options.timeZone)}</td>
                      <td>
                        <form method="post" action="/console/users/invites/${invite.id}/resend" class="inline-form">
                          ${csrfField(options.csrf)}
                          <button type="submit" class="secondary">${t('users.invite_resend')}</button>
                        </form>
                        <form method="post" action="/console/users/invites/${invite.id}/revoke" class="inline-form">
                          ${csrfField(options.csrf)}
                          <button type="submit" class="danger">${t('users.invite_revoke')}</button>
                        </form>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`;
  return html`<section id="invitations" aria-labelledby="invitations-heading">
    <h2 id="invitations-heading">${t('users.invites_heading')}</h2>
    ${body}
  </section>`;
}
