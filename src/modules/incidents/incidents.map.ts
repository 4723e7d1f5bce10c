// The incident board's map, drawn on the server as SVG: state and county outlines from the us-atlas package
// (no tile server, no third-party request), incident markers coloured by status and linked to their pages.
// The map uses Web Mercator at whole zoom levels, the same grid as slippy-map tiles, so when a network sets
// AMPARO_MAP_TILE_URL the street tiles line up under the outlines without any script.
import { createRequire } from 'node:module';
import { geoMercator, geoPath, type GeoPermissibleObjects, type GeoStream } from 'd3-geo';
import { cellToLatLng, isValidCell } from 'h3-js';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, GeometryObject, Topology } from 'topojson-specification';
import type { IncidentStatus } from '../../db/schema.ts';
import { zipCentroid, type Point } from '../../geo/geo.ts';
import { html, type Html } from '../../http/html.ts';

/** Where the app serves the network's PMTiles file (AMPARO_MAP_PMTILES), by byte range, to staff only. */
export const MAP_TILES_ROUTE = '/console/map/tiles.pmtiles';
/** The scripts that draw the MapLibre map over the server's picture, when the file is there (in this order). */
export const MAP_SCRIPTS: readonly string[] = [
  '/assets/map/pmtiles.js',
  '/assets/map/basemaps.js',
  '/assets/incidents-map.js',
];
export const MAP_STYLESHEET = '/assets/map/maplibre-gl.css';

export const MAP_WIDTH = 960;
export const MAP_HEIGHT = 560;
const TILE_SIZE = 256;
const MIN_ZOOM = 3;
/** Closer than this the 1:10,000,000 outlines say nothing; street tiles are what helps there. */
const MAX_ZOOM = 14;
/** Markers keep this far from the edge so a marker and its ring stay inside the picture. */
const MARGIN = 48;
/** The frame's corner snaps to this grid, so nearby boards share a frame and its cached outlines. */
const SNAP = 64;
/** The outline map's closest zoom: about a metro area, where county lines and ZIP labels still say something. */
export const OUTLINE_MAX_ZOOM = 10;
/** County lines only once a few counties fill the frame; across a state or the country they are noise. */
const COUNTY_ZOOM = 6;

/** The contiguous United States: the frame when a network has no incidents to frame yet. */
export const CONTIGUOUS_US: readonly Point[] = [
  { lat: 49.4, lon: -124.8 },
  { lat: 24.4, lon: -66.9 },
];

/** A map frame: a whole zoom level and the top-left corner of the picture in that zoom's world pixels. */
export interface MapFrame {
  zoom: number;
  left: number;
  top: number;
}

/** Marker colours by status: warm for activity that is real, grey for settled outcomes. */
export const STATUS_COLOURS: Record<IncidentStatus, string> = {
  reported: '#1f5fbf',
  verifying: '#c77700',
  confirmed: '#b3141b',
  active: '#6d0b10',
  concluded: '#2e7d32',
  not_immigration: '#7a7a7a',
  false_alarm: '#7a7a7a',
  unable_to_verify: '#7a7a7a',
};

function worldSize(zoom: number): number {
  return TILE_SIZE * 2 ** zoom;
}

/** A point in world pixels at a zoom level (Web Mercator, as slippy-map tiles use it). */
export function worldPixel(point: Point, zoom: number): { x: number; y: number } {
  const size = worldSize(zoom);
  // Mercator is undefined at the poles; tile grids stop at about ±85.05°.
  const lat = Math.max(-85.05112878, Math.min(85.05112878, point.lat));
  const sin = Math.sin((lat * Math.PI) / 180);
  return {
    x: ((point.lon + 180) / 360) * size,
    y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * size,
  };
}

/** Where a point falls in a frame's picture, in SVG user units (the viewBox is MAP_WIDTH × MAP_HEIGHT). */
export function framePosition(frame: MapFrame, point: Point): { x: number; y: number } {
  const pixel = worldPixel(point, frame.zoom);
  return { x: Math.round(pixel.x - frame.left), y: Math.round(pixel.y - frame.top) };
}

export function isInsideFrame(position: { x: number; y: number }): boolean {
  return position.x >= 0 && position.y >= 0 && position.x <= MAP_WIDTH && position.y <= MAP_HEIGHT;
}

/**
 * The closest whole zoom at which every point fits with a margin, centred on them, with the corner snapped
 * to a grid. Whole zooms and a snapped corner keep the number of distinct frames small, so the projected
 * outlines of a frame are computed once and reused.
 */
export function frameFor(points: readonly Point[], closest: number = MAX_ZOOM): MapFrame {
  const framed = points.length > 0 ? points : CONTIGUOUS_US;
  let zoom = MIN_ZOOM;
  for (let candidate = Math.min(closest, MAX_ZOOM); candidate >= MIN_ZOOM; candidate--) {
    const pixels = framed.map((point) => worldPixel(point, candidate));
    const xs = pixels.map((p) => p.x);
    const ys = pixels.map((p) => p.y);
    // Snapping moves the corner by up to half a grid step, so that much more room is kept.
    const room = 2 * MARGIN + SNAP;
    if (
      Math.max(...xs) - Math.min(...xs) <= MAP_WIDTH - room &&
      Math.max(...ys) - Math.min(...ys) <= MAP_HEIGHT - room
    ) {
      zoom = candidate;
      break;
    }
  }
  const pixels = framed.map((point) => worldPixel(point, zoom));
  const centreX = (Math.max(...pixels.map((p) => p.x)) + Math.min(...pixels.map((p) => p.x))) / 2;
  const centreY = (Math.max(...pixels.map((p) => p.y)) + Math.min(...pixels.map((p) => p.y))) / 2;
  return {
    zoom,
    left: Math.round((centreX - MAP_WIDTH / 2) / SNAP) * SNAP,
    top: Math.round((centreY - MAP_HEIGHT / 2) / SNAP) * SNAP,
  };
}

/** A frame written into a page (and sent back by its live stream): "zoom/left/top". */
export function frameKey(frame: MapFrame): string {
  return `${frame.zoom}/${frame.left}/${frame.top}`;
}

export function parseFrameKey(key: string | undefined): MapFrame | undefined {
  const match = key === undefined ? null : /^(\d{1,2})\/(-?\d{1,9})\/(-?\d{1,9})$/.exec(key);
  if (!match) return undefined;
  const zoom = Number(match[1]);
  if (zoom < MIN_ZOOM || zoom > MAX_ZOOM) return undefined;
  return { zoom, left: Number(match[2]), top: Number(match[3]) };
}

/**
 * Where an incident goes on the board: the centre of its H3 cell (about a neighbourhood block), else its ZIP
 * code's centre. The board never needs the exact point, so it never decrypts one.
 */
export function markerPoint(incident: { h3_cell: string | null; zip: string | null }): Point | undefined {
  if (incident.h3_cell && isValidCell(incident.h3_cell)) {
    const [lat, lon] = cellToLatLng(incident.h3_cell);
    return { lat, lon };
  }
  return zipCentroid(incident.zip);
}

interface Basemap {
  land: GeoPermissibleObjects;
  stateLines: GeoPermissibleObjects;
  countyLines: GeoPermissibleObjects;
}

let basemap: Basemap | undefined;

// The atlas files are about 1 MB together: read once, on the first map drawn, not at start-up.
function loadBasemap(): Basemap {
  if (basemap) return basemap;
  const require = createRequire(import.meta.url);
  const states = require('us-atlas/states-10m.json') as Topology<{
    states: GeometryCollection;
    nation: GeometryCollection;
  }>;
  const counties = require('us-atlas/counties-10m.json') as Topology<{ counties: GeometryCollection }>;
  const stateOf = (county: GeometryObject): string => String(county.id ?? '').slice(0, 2);
  basemap = {
    land: feature(states, states.objects.nation),
    stateLines: mesh(states, states.objects.states, (a, b) => a !== b),
    // Only lines between two counties of one state: state borders come from the states file.
    countyLines: mesh(counties, counties.objects.counties, (a, b) => a !== b && stateOf(a) === stateOf(b)),
  };
  return basemap;
}

/**
 * Drops projected points less than a pixel from the previous one. At a country-wide zoom most of an
 * outline's points land on the same pixel; without this the page would carry them all.
 */
function thinned(sink: GeoStream): GeoStream {
  let lastX = Number.NaN;
  let lastY = Number.NaN;
  let pendingX = Number.NaN;
  let pendingY = Number.NaN;
  return {
    point(x, y) {
      if (Math.abs(x - lastX) < 1 && Math.abs(y - lastY) < 1) {
        pendingX = x;
        pendingY = y;
        return;
      }
      sink.point(x, y);
      lastX = x;
      lastY = y;
      pendingX = Number.NaN;
    },
    lineStart() {
      lastX = lastY = pendingX = pendingY = Number.NaN;
      sink.lineStart();
    },
    lineEnd() {
      // The last point of a line always counts: it is where the next stretch of border joins.
      if (!Number.isNaN(pendingX)) sink.point(pendingX, pendingY);
      sink.lineEnd();
    },
    polygonStart: () => sink.polygonStart(),
    polygonEnd: () => sink.polygonEnd(),
    sphere: () => sink.sphere?.(),
  };
}

interface ProjectedOutlines {
  land: string;
  states: string;
  counties: string;
}

const OUTLINE_CACHE_SIZE = 64;
const outlineCache = new Map<string, ProjectedOutlines>();

/** The basemap's paths for one frame, projected once and kept (a small LRU: boards share a few frames). */
export function projectedOutlines(frame: MapFrame): ProjectedOutlines {
  const key = frameKey(frame);
  const cached = outlineCache.get(key);
  if (cached) {
    outlineCache.delete(key);
    outlineCache.set(key, cached);
    return cached;
  }
  const { land, stateLines, countyLines } = loadBasemap();
  const size = worldSize(frame.zoom);
  const projection = geoMercator()
    .scale(size / (2 * Math.PI))
    .translate([size / 2 - frame.left, size / 2 - frame.top])
    .clipExtent([
      [-2, -2],
      [MAP_WIDTH + 2, MAP_HEIGHT + 2],
    ]);
  const path = geoPath({ stream: (sink: GeoStream) => projection.stream(thinned(sink)) }).digits(0);
  const outlines = {
    land: path(land) ?? '',
    states: path(stateLines) ?? '',
    counties: frame.zoom >= COUNTY_ZOOM ? (path(countyLines) ?? '') : '',
  };
  outlineCache.set(key, outlines);
  if (outlineCache.size > OUTLINE_CACHE_SIZE) outlineCache.delete(outlineCache.keys().next().value!);
  return outlines;
}

/** How many frames' outlines are cached (for tests). */
export function cachedFrameCount(): number {
  return outlineCache.size;
}

/** The tile template's origin, when it names one host (a {z}/{x}/{y} in the host name would be many). */
export function tileOrigin(template: string | undefined): string | undefined {
  if (!template) return undefined;
  try {
    const url = new URL(template.replace(/\{[xyz]\}/g, '0'));
    const again = new URL(template.replace(/\{[xyz]\}/g, '1'));
    if (url.origin !== again.origin || url.protocol !== 'https:') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

export interface PlacedTile {
  url: string;
  x: number;
  y: number;
}

/** The slippy-map tiles covering a frame, with where each goes in the picture. */
export function tilesFor(frame: MapFrame, template: string): PlacedTile[] {
  const count = 2 ** frame.zoom;
  const tiles: PlacedTile[] = [];
  const firstX = Math.floor(frame.left / TILE_SIZE);
  const lastX = Math.floor((frame.left + MAP_WIDTH - 1) / TILE_SIZE);
  const firstY = Math.max(0, Math.floor(frame.top / TILE_SIZE));
  const lastY = Math.min(count - 1, Math.floor((frame.top + MAP_HEIGHT - 1) / TILE_SIZE));
  for (let ty = firstY; ty <= lastY; ty++) {
    for (let tx = firstX; tx <= lastX; tx++) {
      // Across the antimeridian the same tiles repeat.
      const wrapped = ((tx % count) + count) % count;
      tiles.push({
        url: template
          .replaceAll('{z}', String(frame.zoom))
          .replaceAll('{x}', String(wrapped))
          .replaceAll('{y}', String(ty)),
        x: tx * TILE_SIZE - frame.left,
        y: ty * TILE_SIZE - frame.top,
      });
    }
  }
  return tiles;
}

export interface MapMarker {
  id: string;
  url: string;
  /** What a screen reader and a hover say: reference and status, already in the reader's language. */
  label: string;
  status: IncidentStatus;
  point: Point;
}

/** Incidents counted at their ZIP code's centre: the outline map's honest picture of where things are. */
export interface ZipGroup {
  zip: string;
  count: number;
  /** The most pressing status among them: it colours the group. */
  status: IncidentStatus;
  /** Where the group links: the board filtered to that ZIP code. */
  url: string;
  /** "ZIP 60623: 3 incidents", in the reader's language. */
  label: string;
}

/** Which status colours a group: activity that is real before what is settled. */
const URGENCY: readonly IncidentStatus[] = [
  'active',
  'confirmed',
  'verifying',
  'reported',
  'concluded',
  'unable_to_verify',
  'not_immigration',
  'false_alarm',
];

export function mostPressing(statuses: readonly IncidentStatus[]): IncidentStatus {
  return URGENCY.find((status) => statuses.includes(status)) ?? 'reported';
}

/** Groups incidents by ZIP code (those without one are left to their own markers), most incidents first. */
export function zipGroups(
  incidents: readonly { zip: string | null; status: IncidentStatus }[],
  describe: (zip: string, count: number) => { url: string; label: string },
): ZipGroup[] {
  const byZip = new Map<string, IncidentStatus[]>();
  for (const incident of incidents) {
    if (!incident.zip || !zipCentroid(incident.zip)) continue;
    byZip.set(incident.zip, [...(byZip.get(incident.zip) ?? []), incident.status]);
  }
  return [...byZip.entries()]
    .map(([zip, statuses]) => ({
      zip,
      count: statuses.length,
      status: mostPressing(statuses),
      ...describe(zip, statuses.length),
    }))
    .sort((a, b) => b.count - a.count || a.zip.localeCompare(b.zip));
}

const LABEL_SIZE = 26;

/** A ZIP group: a dot at the ZIP code's centre and a label with its count, readable at phone width. */
export function zipGroupElement(group: ZipGroup, frame: MapFrame): Html {
  const centre = zipCentroid(group.zip);
  if (!centre) return html``;
  const { x, y } = framePosition(frame, centre);
  if (!isInsideFrame({ x, y })) return html``;
  const r = Math.min(22, 11 + 3 * Math.log2(group.count));
  // Labels near the right edge go to the left of the dot, so they stay inside the picture.
  const left = x > MAP_WIDTH - 150;
  const textX = left ? x - r - 6 : x + r + 6;
  return html`<a href="${group.url}" class="zip-group" aria-label="${group.label}"
    ><circle cx="${x}" cy="${y}" r="${r}" fill="${STATUS_COLOURS[group.status]}" stroke="#fff" stroke-width="3" /><text
      x="${textX}"
      y="${y}"
      dy="0.35em"
      text-anchor="${left ? 'end' : 'start'}"
      font-size="${LABEL_SIZE}"
      class="zip-label"
      aria-hidden="true"
      >${group.zip} · ${group.count}</text
    ><title>${group.label}</title></a
  >`;
}

export interface MapOptions {
  frame: MapFrame;
  markers: readonly MapMarker[];
  /** Incidents counted by ZIP code, drawn as labelled dots; their incidents are then not drawn one by one. */
  zipGroups?: readonly ZipGroup[];
  /** AMPARO_MAP_TILE_URL, when the network chose street tiles. */
  tileTemplate: string | undefined;
  title: string;
}

export function markerElement(marker: MapMarker, frame: MapFrame): Html {
  const { x, y } = framePosition(frame, marker.point);
  return html`<a href="${marker.url}" data-id="${marker.id}" aria-label="${marker.label}"
    ><circle cx="${x}" cy="${y}" r="10" fill="${STATUS_COLOURS[marker.status]}" stroke="#fff" stroke-width="2.5"
      ><title>${marker.label}</title></circle
    ></a
  >`;
}

/** The whole map as inline SVG. Every URL in it is this site's, unless the network configured tiles. */
export function renderMap(options: MapOptions): Html {
  const { frame } = options;
  const outlines = projectedOutlines(frame);
  const origin = tileOrigin(options.tileTemplate);
  const tiles = origin && options.tileTemplate ? tilesFor(frame, options.tileTemplate) : [];
  // A group, not an image: it holds links, and an image's children are presentational (axe: nested-interactive).
  return html`<svg
    class="incident-map"
    id="incident-map"
    viewBox="0 0 ${MAP_WIDTH} ${MAP_HEIGHT}"
    role="group"
    aria-label="${options.title}"
    data-frame="${frameKey(frame)}"
    preserveAspectRatio="xMidYMid meet"
  >
    <rect width="${MAP_WIDTH}" height="${MAP_HEIGHT}" fill="#dfe8f1" />
    ${
      tiles.length > 0
        ? html`<g class="tiles">
            ${tiles.map(
              (tile) =>
                html`<image href="${tile.url}" x="${tile.x}" y="${tile.y}" width="${TILE_SIZE}" height="${TILE_SIZE}" />`,
            )}
          </g>`
        : html`<path d="${outlines.land}" fill="#f6f3ec" stroke="none" />`
    }
    <path d="${outlines.counties}" fill="none" stroke="#b9b2a6" stroke-width="0.6" />
    <path d="${outlines.states}" fill="none" stroke="#6f6a62" stroke-width="1.2" />
    <g id="zip-groups">${(options.zipGroups ?? []).map((group) => zipGroupElement(group, frame))}</g>
    <g id="incident-markers" data-grouped="${options.zipGroups ? 'zip' : ''}">
      ${options.markers.map((marker) => markerElement(marker, frame))}
    </g>
  </svg>`;
}
