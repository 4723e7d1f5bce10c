// Tracking's sections of the case page (locating the person, where they are held, hearings) and their part
// of the case export. The three read the same tracking view, once per request.
import type { FastifyRequest } from 'fastify';
import {
  registerCaseFacts,
  registerCaseListFacts,
  registerCaseSection,
  type CaseListInput,
  type CaseListFacts,
  type CaseFact,
  type CaseSectionInput,
  type CaseSummaryPart,
} from '../cases/cases.sections.ts';
import { formatTime } from '../../i18n/time.ts';
import { html } from '../../http/html.ts';
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
import { readTracking, readWhereabouts, type TrackingView } from './case-tracking.service.ts';
import { RELEASE_SECTION_ID, releaseForm, releasesList } from './locating.pages.ts';
import { caseReleases, whereaboutsOf } from './releases.service.ts';
import { listFacilities } from './facilities.repository.ts';
import { addControl } from '../cases/cases.sections.ts';
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

const releaseViews = new WeakMap<FastifyRequest, ReturnType<typeof caseReleases>>();

function releasesOf(input: CaseSectionInput): ReturnType<typeof caseReleases> {
  let releases = releaseViews.get(input.request);
  if (!releases) {
    releases = caseReleases(input.context.db, input.caseRow.id, input.cipher);
    releaseViews.set(input.request, releases);
  }
  return releases;
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

/** The summary's lines from tracking: where the person is, and their next hearing. */
export async function trackingFacts(input: CaseSectionInput): Promise<CaseFact[]> {
  const view = await trackingOf(input);
  const t = input.t;
  const lang = input.request.lang;
  const zone = input.context.config.timeZone;
  const now = input.context.clock.now();
  const current = view.stays[0];
  const now2 = whereaboutsOf(view.stays, await releasesOf(input));
  const where =
    now2.kind === 'released'
      ? t('case_tracking.summary_released', { on: formatDay(now2.release.releasedOn, lang) })
      : current
        ? t('case_tracking.summary_held_at', {
            facility: current.record.facilityName,
            since: formatDay(current.record.since, lang),
          })
        : view.nextLocatorCheckAt
          ? t('case_tracking.summary_not_located_check', {
              when: formatTime(view.nextLocatorCheckAt, lang, zone),
            })
          : t('case_tracking.summary_not_located');
  const next = view.hearings.find((hearing) => hearing.startsAt.getTime() >= now.getTime());
  return [
    { id: 'where', label: t('case_tracking.summary_where'), value: where, part: 'locating' },
    {
      id: 'next-hearing',
      label: t('case_tracking.summary_next_hearing'),
      value: next
        ? [formatTime(next.startsAt, lang, zone), next.record.court].filter(Boolean).join(' · ')
        : t('case_tracking.summary_no_hearing'),
      part: 'hearings',
    },
  ];
}

/** The case list's columns from tracking; the not located first, then the nearest hearing. */
export async function trackingListFacts(input: CaseListInput): Promise<CaseListFacts> {
  const t = input.t;
  const zone = input.context.config.timeZone;
  const whereabouts = await readWhereabouts(input.context, input.cases);
  const values: CaseListFacts['values'] = new Map();
  const urgency = new Map<string, number[]>();
  for (const [caseId, where] of whereabouts) {
    values.set(caseId, {
      where: where.facilityName ?? t('case_tracking.list_not_located'),
      'next-hearing': where.nextHearing
        ? [formatTime(where.nextHearing.startsAt, input.lang, zone), where.nextHearing.court]
            .filter(Boolean)
            .join(' · ')
        : '',
    });
    urgency.set(caseId, [
      where.facilityName === null ? 0 : 1,
      where.nextHearing?.startsAt.getTime() ?? Number.MAX_SAFE_INTEGER,
    ]);
  }
  return {
    columns: [
      { id: 'where', label: t('case_tracking.summary_where') },
      { id: 'next-hearing', label: t('case_tracking.summary_next_hearing') },
    ],
    values,
    urgency,
  };
}

export function registerTrackingSections(): void {
  registerCaseFacts({ id: 'case-tracking', order: 100, facts: trackingFacts });
  registerCaseListFacts({ id: 'case-tracking', order: 100, read: trackingListFacts });
  registerCaseSection({
    id: SECTION_IDS.locator,
    order: 110,
    part: 'locating',
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
    part: 'locating',
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
    id: RELEASE_SECTION_ID,
    order: 125,
    part: 'locating',
    async render(input) {
      const releases = await releasesOf(input);
      const t = input.t;
      const form = releaseForm(
        t,
        {
          caseId: input.caseRow.id,
          csrfToken: input.csrfToken,
          directory: await listFacilities(input.context.db),
          today: todayIn(input),
          returnTo: '',
        },
        { values: {}, errors: {} },
      );
      return section(
        RELEASE_SECTION_ID,
        t('case_tracking.release_heading'),
        html`${releasesList(t, input.request.lang, input.context.config.timeZone, releases)}
        ${acceptsChanges(input.caseRow) ? addControl(t('case_tracking.release_add'), form, false) : ''}`,
      );
    },
  });

  registerCaseSection({
    id: SECTION_IDS.hearings,
    order: 130,
    part: 'hearings',
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
