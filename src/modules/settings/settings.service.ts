// The network's time zone: AMPARO_TIMEZONE when set; else the zone the first admin chose at setup, stored in
// network_settings; else the host's zone, with a notice to admins that it should be set. The chosen zone is
// put in context.config.timeZone, which every page and text reads when it formats a time, so it applies from
// the next page on without a restart. Another process (a separate worker) sees it within a minute.
import type { AppContext } from '../../app/context.ts';
import { isTimeZone, type AppConfig } from '../../config/config.ts';
import type { Translator } from '../../i18n/i18n.ts';
import { readStoredTimeZone, storeTimeZone } from './settings.repository.ts';
import { zoneLabel } from './settings.zones.ts';

export type TimeZoneSource = 'environment' | 'setup' | 'host';

interface ZoneState {
  source: TimeZoneSource;
  zone: string;
  /** When the stored zone was last looked for, while there is none (ms). */
  checkedAt: number;
}

const RECHECK_MS = 60_000;
const states = new WeakMap<AppConfig, ZoneState>();

function stateOf(context: Pick<AppContext, 'config'>): ZoneState {
  let state = states.get(context.config);
  if (!state) {
    state = {
      source: context.config.timeZoneFromEnv ? 'environment' : 'host',
      zone: context.config.timeZone,
      checkedAt: Number.NEGATIVE_INFINITY,
    };
    states.set(context.config, state);
  }
  return state;
}

/**
 * Start-up: reads the zone chosen at setup (unless AMPARO_TIMEZONE is set) and makes context.config.timeZone
 * follow it. While none is stored, a read of the zone looks again at most once a minute, in the background.
 */
export async function loadNetworkTimeZone(context: AppContext): Promise<void> {
  const state = stateOf(context);
  if (state.source === 'environment') return;
  const refresh = async () => {
    state.checkedAt = context.clock.now().getTime();
    const stored = await readStoredTimeZone(context.db);
    if (stored !== undefined && isTimeZone(stored) && state.source === 'host') {
      state.source = 'setup';
      state.zone = stored;
    }
  };
  await refresh();
  Object.defineProperty(context.config, 'timeZone', {
    configurable: true,
    enumerable: true,
    get() {
      if (state.source === 'host' && context.clock.now().getTime() - state.checkedAt >= RECHECK_MS) {
        refresh().catch((error: unknown) =>
          context.logger.warn({ err: error }, 'network time zone not read'),
        );
      }
      return state.zone;
    },
  });
}

/** Where the zone in use comes from, and the zone. */
export function networkTimeZone(context: Pick<AppContext, 'config'>): {
  zone: string;
  source: TimeZoneSource;
} {
  const state = stateOf(context);
  return { zone: context.config.timeZone, source: state.source };
}

/**
 * Stores the zone the first admin chose and uses it from now on. Does nothing when AMPARO_TIMEZONE is set (it
 * wins) or the zone is not one Intl knows; returns whether the zone is now the network's.
 */
export async function saveNetworkTimeZone(context: AppContext, zone: string): Promise<boolean> {
  const state = stateOf(context);
  if (state.source === 'environment' || !isTimeZone(zone)) return false;
  await storeTimeZone(context.db, zone, context.clock.now());
  state.source = 'setup';
  state.zone = zone;
  if (!Object.getOwnPropertyDescriptor(context.config, 'timeZone')?.get) context.config.timeZone = zone;
  return true;
}

/**
 * For admins' pages: "Times are shown in <zone>; set the network's zone", while the zone is only the host's.
 * Undefined once AMPARO_TIMEZONE is set or the zone was chosen.
 */
export function timeZoneNotice(context: Pick<AppContext, 'config'>, t: Translator): string | undefined {
  const { zone, source } = networkTimeZone(context);
  return source === 'host' ? t('settings.time_zone_notice', { zone: zoneLabel(t, zone) }) : undefined;
}
