// An incident's page may carry parts other modules add (the cases module: the way to a case for a person
// detained there). They register here, so the incidents module imports none of them.
import type { FastifyRequest } from 'fastify';
import type { IncidentStatus } from '../../db/schema.ts';
import { html, type Html } from '../../http/html.ts';

export type IncidentPagePart = (
  request: FastifyRequest,
  incident: { id: string; status: IncidentStatus },
) => Html | string;

const parts = new Map<string, IncidentPagePart>();

export function registerIncidentPagePart(id: string, part: IncidentPagePart): void {
  // Apps are built more than once in tests; the same part registering again replaces itself.
  parts.set(id, part);
}

/** Every registered part for this incident, in registration order. */
export function renderIncidentPageParts(
  request: FastifyRequest,
  incident: { id: string; status: IncidentStatus },
): Html {
  return html`${[...parts.values()].map((part) => part(request, incident))}`;
}

/**
 * A part that reads before it renders (the observation log's merged timeline). Loaded by the incident page's
 * route before the page is drawn, then placed after the plain parts.
 */
export type IncidentPageSection = (
  request: FastifyRequest,
  incident: { id: string; status: IncidentStatus },
) => Promise<Html | string>;

const sections = new Map<string, IncidentPageSection>();

export function registerIncidentPageSection(id: string, section: IncidentPageSection): void {
  sections.set(id, section);
}

/** Every registered section for this incident, read one after the other, in registration order. */
export async function loadIncidentPageSections(
  request: FastifyRequest,
  incident: { id: string; status: IncidentStatus },
): Promise<Html> {
  const rendered: (Html | string)[] = [];
  for (const section of sections.values()) rendered.push(await section(request, incident));
  return html`${rendered}`;
}
