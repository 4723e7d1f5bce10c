// The staff navigation's entries. Each module declares its own (in its *.module.ts); the app collects them
// and the layout shows a signed-in staff member the entries their roles open, lowest position first.
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Role } from '../db/schema.ts';
import type { MessageKey } from '../i18n/i18n.ts';
import { hasAnyRole } from './access.ts';

export interface NavigationEntry {
  href: string;
  /** The link's words. */
  label: MessageKey;
  /** Who sees the entry: staff holding one of these roles, or 'any' signed-in staff member. */
  roles: readonly Role[] | 'any';
  /** Where the entry sits in the bar, lowest first (positions are spaced by 10 so a module can slot one in). */
  position: number;
  /**
   * How many things wait on this person there (a triage queue, alerts to approve), shown as a badge when above
   * zero. Worked out for every console page; a count that fails is logged and left out, never breaks the page.
   */
  count?: (request: FastifyRequest, context: AppContext) => Promise<number>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every module's navigation entries, in position order (set by buildApp). */
    navigation: readonly NavigationEntry[];
  }
}

/** The entries in the order the bar shows them; two entries may not share a position. */
export function orderNavigation(entries: readonly NavigationEntry[]): NavigationEntry[] {
  const ordered = [...entries].sort((a, b) => a.position - b.position);
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i]!.position === ordered[i - 1]!.position) {
      throw new Error(`navigation entries ${ordered[i - 1]!.href} and ${ordered[i]!.href} share a position`);
    }
  }
  return ordered;
}

/** The entries this request's staff member sees. */
export function visibleNavigation(request: FastifyRequest): NavigationEntry[] {
  if (!request.principal) return [];
  return request.server.navigation.filter(
    (entry) => entry.roles === 'any' || hasAnyRole(request.principal, entry.roles),
  );
}

/**
 * The entry the page at this path belongs to: the one whose href is the path, else the longest whose href is a
 * parent of it (a case's page belongs to Cases). The console's root is only itself, not every page's parent.
 */
export function currentEntry(entries: readonly NavigationEntry[], url: string): NavigationEntry | undefined {
  const path = url.split(/[?#]/)[0]!.replace(/\/+$/, '') || '/';
  let best: NavigationEntry | undefined;
  for (const entry of entries) {
    const matches = entry.href === path || (entry.href !== '/console' && path.startsWith(`${entry.href}/`));
    if (matches && (!best || entry.href.length > best.href.length)) best = entry;
  }
  return best;
}
