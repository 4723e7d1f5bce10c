// The time zones a network can choose, as people name them: the United States' zones first ("Central —
// Chicago"), then every other zone Intl knows, by its IANA name.
import type { MessageKey, Translator } from '../../i18n/i18n.ts';

export const US_ZONES: readonly { zone: string; label: MessageKey }[] = [
  { zone: 'America/New_York', label: 'settings.zone_eastern' },
  { zone: 'America/Chicago', label: 'settings.zone_central' },
  { zone: 'America/Denver', label: 'settings.zone_mountain' },
  { zone: 'America/Phoenix', label: 'settings.zone_arizona' },
  { zone: 'America/Los_Angeles', label: 'settings.zone_pacific' },
  { zone: 'America/Anchorage', label: 'settings.zone_alaska' },
  { zone: 'Pacific/Honolulu', label: 'settings.zone_hawaii' },
  { zone: 'America/Puerto_Rico', label: 'settings.zone_puerto_rico' },
];

/** Every other zone Intl knows, in its order (alphabetical by IANA name). */
export function otherZones(): string[] {
  const us = new Set(US_ZONES.map((entry) => entry.zone));
  return Intl.supportedValuesOf('timeZone').filter((zone) => !us.has(zone));
}

/** A zone as people read it: "Central — Chicago", or "America/Argentina/Buenos Aires". */
export function zoneLabel(t: Translator, zone: string): string {
  const us = US_ZONES.find((entry) => entry.zone === zone);
  return us ? t(us.label) : zone.replace(/_/g, ' ');
}

/** True for a zone the setup form offers (so a posted value is one of the list, not any string). */
export function isOfferedZone(zone: string): boolean {
  return US_ZONES.some((entry) => entry.zone === zone) || otherZones().includes(zone);
}
