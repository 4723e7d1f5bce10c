// The time-zone question on the setup page: a list of zones (the United States' first, in words), or, when
// AMPARO_TIMEZONE is set, the zone it names instead of a question.
import { html, type Html } from '../../http/html.ts';
import type { Translator } from '../../i18n/i18n.ts';
import { otherZones, US_ZONES, zoneLabel } from './settings.zones.ts';

export interface TimeZoneFieldState {
  /** The zone AMPARO_TIMEZONE names: shown, not asked. */
  fixed?: string;
  /** The zone chosen so far (a form sent back with a problem). */
  selected?: string;
  invalid?: boolean;
}

export const TIME_ZONE_FIELD = 'time_zone';

export function timeZoneField(t: Translator, state: TimeZoneFieldState): Html {
  if (state.fixed !== undefined) {
    return html`<p id="time-zone-fixed">${t('settings.time_zone_fixed', { zone: zoneLabel(t, state.fixed) })}</p>`;
  }
  const option = (zone: string, label: string) =>
    html`<option value="${zone}" ${zone === state.selected ? html`selected` : ''}>${label}</option>`;
  return html`<label for="time_zone"
      >${t('settings.time_zone_label')}
      <span class="hint" id="time_zone-hint">${t('settings.time_zone_hint')}</span></label
    >
    ${
      state.invalid
        ? html`<p class="field-error" id="time_zone-error">${t('settings.time_zone_invalid')}</p>`
        : ''
    }
    <select
      id="time_zone"
      name="${TIME_ZONE_FIELD}"
      required
      aria-describedby="time_zone-hint${state.invalid ? ' time_zone-error' : ''}"
      ${state.invalid ? html`aria-invalid="true"` : ''}
    >
      <option value="">${t('settings.time_zone_choose')}</option>
      <optgroup label="${t('settings.time_zone_us')}">
        ${US_ZONES.map((entry) => option(entry.zone, t(entry.label)))}
      </optgroup>
      <optgroup label="${t('settings.time_zone_other')}">
        ${otherZones().map((zone) => option(zone, zoneLabel(t, zone)))}
      </optgroup>
    </select>`;
}
