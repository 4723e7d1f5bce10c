// Tracking's sections of the case page (locating the person, where they are held, hearings) and their part
// of the case export. The three read the same tracking view, once per request.
import type { FastifyRequest } from 'fastify';
import { registerCaseSection, type CaseSectionInput, type CaseSummaryPart } from '../cases/cases.sections.ts';
import { formatTime } from '../../i18n/time.ts';
import {
  emptyForm,
  facilityPanel,
  formatDay,
  hearingKindLabel,
  hearingResultLabel,
  hearingsPanel,
  locatorPanel,
  section,
  SECTION_IDS,
  type PanelContext,
} from './case-tracking.pages.ts';
import { readTracking, type TrackingView } from './case-tracking.service.ts';
import { wallTimeOf } from './case-tracking.time.ts';

const views = new WeakMap<FastifyRequest, Promise<TrackingView>>();

function trackingOf(input: CaseSectionInput): Promise<TrackingView> {
  let view = views.get(input.request);
  if (!view) {
    view = readTracking(input.context, input.caseRow, input.cipher);
    views.set(input.request, view);
  }
  return view;
}

export function acceptsChanges(caseRow: CaseSectionInput['caseRow']): boolean {
  return caseRow.status === 'open' && caseRow.merged_into === null && caseRow.key_destroyed_at === null;
}

export function panelContext(
  input: Pick<CaseSectionInput, 'request' | 'context' | 'caseRow' | 'csrfToken'>,
): PanelContext {
  return {
    t: input.request.t,
    lang: input.request.lang,
    timeZone: input.context.config.timeZone,
    caseId: input.caseRow.id,
    csrfToken: input.csrfToken,
    acceptsChanges: acceptsChanges(input.caseRow),
  };
}

export function todayIn(input: Pick<CaseSectionInput, 'context'>): string {
  return wallTimeOf(input.context.clock.now(), input.context.config.timeZone).date;
}

export function registerTrackingSections(): void {
  registerCaseSection({
    id: SECTION_IDS.locator,
    order: 110,
    async render(input) {
      const view = await trackingOf(input);
      return section(
        SECTION_IDS.locator,
        input.t('case_tracking.locator_heading'),
        locatorPanel(panelContext(input), view, emptyForm(), input.context.clock.now()),
      );
    },
    async summarize(input): Promise<CaseSummaryPart | null> {
      const { checks } = await trackingOf(input);
      if (checks.length === 0) return null;
      const t = input.t;
      return {
        title: t('case_tracking.locator_heading'),
        lines: checks.map((check) => ({
          label: formatTime(check.checkedAt, input.request.lang, input.context.config.timeZone),
          value: [
            check.record.result === 'found'
              ? t('case_tracking.locator_result_found_at', { facility: check.record.facilityName ?? '' })
              : t('case_tracking.locator_result_not_found'),
            check.record.notes,
          ]
            .filter(Boolean)
            .join(' · '),
        })),
        data: checks.map((check) => ({ checkedAt: check.checkedAt.toISOString(), ...check.record })),
      };
    },
  });

  registerCaseSection({
    id: SECTION_IDS.facility,
    order: 120,
    async render(input) {
      const view = await trackingOf(input);
      return section(
        SECTION_IDS.facility,
        input.t('case_tracking.facility_heading'),
        facilityPanel(panelContext(input), view, emptyForm(), todayIn(input)),
      );
    },
    async summarize(input): Promise<CaseSummaryPart | null> {
      const { stays } = await trackingOf(input);
      if (stays.length === 0) return null;
      return {
        title: input.t('case_tracking.facility_heading'),
        lines: stays.map((stay) => ({
          label: formatDay(stay.record.since, input.request.lang),
          value: [stay.record.facilityName, stay.record.notes].filter(Boolean).join(' · '),
        })),
        data: stays.map((stay) => ({ ...stay.record, recordedAt: stay.recordedAt.toISOString() })),
      };
    },
  });

  registerCaseSection({
    id: SECTION_IDS.hearings,
    order: 130,
    async render(input) {
      const view = await trackingOf(input);
      return section(
        SECTION_IDS.hearings,
        input.t('case_tracking.hearings_heading'),
        hearingsPanel(panelContext(input), view.hearings, emptyForm()),
      );
    },
    async summarize(input): Promise<CaseSummaryPart | null> {
      const { hearings } = await trackingOf(input);
      if (hearings.length === 0) return null;
      const t = input.t;
      return {
        title: t('case_tracking.hearings_heading'),
        lines: hearings.map((hearing) => ({
          label: formatTime(hearing.startsAt, input.request.lang, input.context.config.timeZone),
          value: [
            hearing.record.court,
            hearing.record.judge,
            hearingKindLabel(t, hearing.record.kind),
            hearingResultLabel(t, hearing.record.result),
            hearing.record.resultNotes,
          ]
            .filter(Boolean)
            .join(' · '),
        })),
        data: hearings.map((hearing) => hearing.record),
      };
    },
  });
}
