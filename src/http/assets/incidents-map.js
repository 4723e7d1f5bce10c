// The street map on the incident board and an incident's page, drawn with MapLibre GL from the network's own
// PMTiles file (served by this site at /console/map/tiles.pmtiles; libraries at /assets/map/). Without
// JavaScript, or if the map cannot draw (no WebGL), the server's outline map and the text fields stay.
// There are no font glyphs on this site, so the base map has no text layers; incidents are labelled by
// HTML markers, each a plain link.
(function () {
  'use strict';
  var boardMap = document.getElementById('board-map');
  var placeMap = document.getElementById('place-map');
  if ((!boardMap && !placeMap) || !window.pmtiles || !window.basemaps) return;

  function style(tilesPath, lang) {
    var url = new URL(tilesPath, window.location.href).href;
    var layers = window.basemaps
      .layers('protomaps', window.basemaps.namedFlavor('light'), { lang: lang })
      .filter(function (layer) {
        return layer.type !== 'symbol';
      });
    return {
      version: 8,
      sources: {
        protomaps: {
          type: 'vector',
          url: 'pmtiles://' + url,
          attribution: '© OpenStreetMap contributors, Protomaps',
        },
      },
      layers: layers,
    };
  }

  function isSafePath(url) {
    return typeof url === 'string' && /^\/console\/[A-Za-z0-9/?=&_.-]*$/.test(url);
  }

  function isColour(value) {
    return typeof value === 'string' && /^#[0-9a-f]{6}$/i.test(value);
  }

  function markerLink(data) {
    var a = document.createElement('a');
    a.className = 'map-marker';
    a.href = data.url;
    a.setAttribute('aria-label', data.label);
    a.title = data.label;
    var dot = document.createElement('span');
    dot.className = 'dot';
    dot.setAttribute('aria-hidden', 'true');
    dot.style.background = isColour(data.colour) ? data.colour : '#555555';
    a.appendChild(dot);
    a.appendChild(document.createTextNode(data.reference));
    return a;
  }

  function parsePoint(text) {
    var match = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(text || '');
    return match ? { lat: Number(match[1]), lon: Number(match[2]) } : null;
  }

  function start(maplibregl) {
    var protocol = new window.pmtiles.Protocol();
    maplibregl.addProtocol('pmtiles', protocol.tile);
    if (boardMap) drawBoard(maplibregl, boardMap);
    if (placeMap) drawPlace(maplibregl, placeMap);
  }

  /** Fits the markers, or the file's own area when there are none. */
  function frame(maplibregl, map, points) {
    if (points.length === 0) return;
    var bounds = new maplibregl.LngLatBounds();
    points.forEach(function (p) {
      bounds.extend([p.lon, p.lat]);
    });
    map.fitBounds(bounds, { padding: 60, maxZoom: 14, duration: 0 });
  }

  function newMap(maplibregl, container, host, centre) {
    var map = new maplibregl.Map({
      container: container,
      style: style(host.getAttribute('data-tiles'), host.getAttribute('data-lang') || 'en'),
      center: centre ? [centre.lon, centre.lat] : [-87.72, 41.85],
      zoom: centre ? 14 : 10,
      attributionControl: { compact: true },
      cooperativeGestures: false,
    });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
    map.on('error', function () {
      if (host.getAttribute('data-map-state') !== 'loaded') host.setAttribute('data-map-state', 'error');
    });
    return map;
  }

  function drawBoard(maplibregl, host) {
    var markers = [];
    try {
      markers = JSON.parse(host.getAttribute('data-markers') || '[]');
    } catch (e) {
      markers = [];
    }
    var canvas = document.createElement('div');
    canvas.className = 'street-map-canvas';
    canvas.setAttribute('role', 'group');
    canvas.setAttribute('aria-label', host.getAttribute('data-label') || 'Map');
    host.insertBefore(canvas, host.firstChild);
    var outline = host.querySelector('svg.incident-map');
    var map = newMap(maplibregl, canvas, host, markers[0] || null);
    markers.forEach(function (data) {
      if (!isSafePath(data.url) || typeof data.lat !== 'number' || typeof data.lon !== 'number') return;
      new maplibregl.Marker({ element: markerLink(data) }).setLngLat([data.lon, data.lat]).addTo(map);
    });
    map.on('load', function () {
      frame(maplibregl, map, markers);
      // The street map replaces the outline; the outline stays if the street map never loads.
      if (outline) outline.remove();
      host.setAttribute('data-map-state', 'loaded');
    });
  }

  function drawPlace(maplibregl, host) {
    var field = document.getElementById('point');
    var point = parsePoint(host.getAttribute('data-point'));
    var map = newMap(maplibregl, host, host, point);
    var pin = document.createElement('div');
    pin.className = 'place-pin';
    pin.setAttribute('aria-hidden', 'true');
    var colour = host.getAttribute('data-status-colour');
    pin.style.background = isColour(colour) ? colour : '#555555';
    var marker = new maplibregl.Marker({ element: pin });
    if (point) marker.setLngLat([point.lon, point.lat]).addTo(map);
    map.on('click', function (event) {
      var lat = event.lngLat.lat.toFixed(5);
      var lon = event.lngLat.lng.toFixed(5);
      if (field) {
        field.value = lat + ', ' + lon;
        field.dispatchEvent(new Event('change', { bubbles: true }));
      }
      marker.setLngLat([event.lngLat.lng, event.lngLat.lat]).addTo(map);
      host.setAttribute('data-picked', lat + ',' + lon);
    });
    map.on('load', function () {
      host.setAttribute('data-map-state', 'loaded');
    });
  }

  import('/assets/map/maplibre-gl.mjs').then(start, function () {
    [boardMap, placeMap].forEach(function (host) {
      if (host) host.setAttribute('data-map-state', 'error');
    });
  });
})();
