// The legal intake team's follow-up list. Everything shown goes through html``, which escapes it.
import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import { followupTeam } from './followups.team.ts';
import { formatTime } from '../../i18n/time.ts';
import type { FollowupList, OpenFollowup } from './followups.service.ts';

interface Page {
  request: FastifyRequest;
  networkName: string;
  timeZone: string;
}

/** The family intake's answers in words, one line each ("Children without care: 2", "At: Koch Foods"). */
function familySaid(t: FastifyRequest['t'], task: OpenFollowup): Html {
  const lines = [
    task.channel === 'sms' ? t('voice.followups_by_text') : undefined,
    task.detainedName === null ? undefined : t('voice.followups_detained', { name: task.detainedName }),
    task.relationship === null
      ? undefined
      : t('voice.followups_relationship', { relationship: task.relationship }),
    task.dependentsWithoutCare === null
      ? undefined
      : t('voice.followups_dependents', { count: task.dependentsWithoutCare }),
    task.siteName === null ? undefined : t('voice.followups_at', { site: task.siteName }),
    task.consentToText === null
      ? undefined
      : t(task.consentToText ? 'voice.followups_consent_yes' : 'voice.followups_consent_no'),
  ].filter((line): line is string => line !== undefined);
  if (lines.length === 0) return html`<span class="hint">${t('voice.followups_nothing_said')}</span>`;
  return html`<ul>
    ${lines.map((line) => html`<li>${line}</li>`)}
  </ul>`;
}

export function renderFollowups(
  page: Page,
  list: FollowupList,
  csrfToken: string,
  problem?: MessageKey,
): Html {
  const { request } = page;
  const t = request.t;
  const { tasks } = list;
  const body = html`<h1>${t('voice.followups_title')}</h1>
    <p>${t('voice.followups_intro')}</p>
    ${problem ? html`<p class="notice error" role="alert">${t(problem)}</p>` : ''}
    ${list.intakeTeam ? '' : html`<p class="notice" id="followups-not-intake">${t('voice.followups_not_intake')}</p>`}
    ${
      tasks.length === 0
        ? html`<p id="followups-empty">${t('voice.followups_empty')}</p>`
        : html`<table class="reports followups">
            <thead>
              <tr>
                <th>${t('voice.followups_col_time')}</th>
                <th>${t('voice.followups_col_reference')}</th>
                <th>${t('voice.followups_col_language')}</th>
                <th>${t('voice.followups_col_phone')}</th>
                <th>${t('voice.followups_col_recording')}</th>
                <th>${t('voice.followups_col_intake')}</th>
                <th>${t('voice.followups_col_actions')}</th>
              </tr>
            </thead>
            <tbody>
              ${tasks.map(
                (task) =>
                  html`<tr data-id="${task.id}">
                    <td>${formatTime(task.createdAt, request.lang, page.timeZone)}</td>
                    <td><code>${task.reference ?? ''}</code></td>
                    <td>${t(task.language === 'es' ? 'voice.language_es' : 'voice.language_en')}</td>
                    <td class="phone">
                      ${
                        task.callbackPhone
                          ? html`<a href="tel:${task.callbackPhone}">${task.callbackPhone}</a>`
                          : html`<span class="hint">${t('voice.followups_no_phone')}</span>`
                      }
                    </td>
                    <td>
                      ${
                        task.hasRecording && task.reportId
                          ? html`<a href="/console/reports/${task.reportId}/recording"
                            >${t('voice.followups_listen')}</a
                          >`
                          : html`<span class="hint"
                              >${t(task.hasMessage ? 'voice.followups_no_recording' : 'voice.followups_no_message')}</span
                            >`
                      }
                    </td>
                    <td class="followup-intake">${familySaid(t, task)}</td>
                    <td>
                      ${
                        // Only legal staff open cases (everyone here is; the check stays for safety).
                        followupTeam().mayOpenCase(request.principal)
                          ? html`<a class="button" href="/console/cases/new?task=${task.id}"
                              >${t('cases.open_from_task')}</a
                            >`
                          : ''
                      }
                      ${
                        list.intakeTeam
                          ? html`<form method="post" action="/console/followups/${task.id}/assign">
                            <input type="hidden" name="_csrf" value="${csrfToken}" />
                            <label for="assign-${task.id}">${t('voice.followups_assign_to')}</label>
                            <select id="assign-${task.id}" name="user_id">
                              <option value="">${t('voice.followups_assign_team')}</option>
                              ${list.assignable.map(
                                (staff) =>
                                  html`<option value="${staff.userId}"${staff.userId === task.assignedTo ? html` selected` : ''}>
                                    ${staff.label}
                                  </option>`,
                              )}
                            </select>
                            <button type="submit" class="secondary">${t('voice.followups_assign')}</button>
                          </form>`
                          : ''
                      }
                      <form method="post" action="/console/followups/${task.id}/done" class="inline-form">
                        <input type="hidden" name="_csrf" value="${csrfToken}" />
                        <button type="submit" class="secondary">${t('voice.followups_done')}</button>
                      </form>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
  return renderPage({ ...page, title: t('voice.followups_title'), body, console: true });
}
