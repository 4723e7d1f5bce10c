// Live updates for the incident board: changed incidents and new reports arrive over server-sent events and
// the rows and map markers are updated in place. Everything is built with DOM methods and textContent, so
// nothing received can become markup. Without JavaScript the board is a normal page with a Refresh link.
(function () {
  'use strict';
  var board = document.getElementById('incident-board');
  var rows = document.getElementById('incident-rows');
  var triage = document.getElementById('triage-rows');
  var markers = document.getElementById('incident-markers');
  var indicator = document.getElementById('live-indicator');
  if (!board || !rows || !triage || typeof EventSource === 'undefined') return;
  var SVG = 'http://www.w3.org/2000/svg';

  function setLive(live) {
    if (!indicator) return;
    indicator.hidden = false;
    indicator.textContent = indicator.getAttribute(live ? 'data-live' : 'data-lost') || '';
    indicator.className = live ? 'live-indicator on' : 'live-indicator off';
  }

  function byId(container, id) {
    return container.querySelector('[data-id="' + CSS.escape(id) + '"]');
  }

  function cell(text) {
    var td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    return td;
  }

  function link(href, text) {
    var a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    return a;
  }

  function toggleEmpty(id, container) {
    var empty = document.getElementById(id);
    if (empty) empty.hidden = container.children.length > 0;
  }

  function isSafePath(url) {
    return typeof url === 'string' && /^\/console\/[A-Za-z0-9/?=&_.-]*$/.test(url);
  }

  function placeMarker(incident) {
    if (!markers) return;
    var existing = byId(markers, incident.id);
    // On the outline map, incidents with a ZIP code are counted at its centre (redrawn on Refresh), not one by one.
    var grouped = markers.getAttribute('data-grouped') === 'zip' && incident.zip;
    if (grouped || incident.hidden || typeof incident.x !== 'number' || typeof incident.y !== 'number') {
      if (existing) existing.remove();
      return;
    }
    var colour = /^#[0-9a-f]{6}$/i.test(incident.colour) ? incident.colour : '#555555';
    var a = document.createElementNS(SVG, 'a');
    a.setAttribute('href', incident.url);
    a.setAttribute('data-id', incident.id);
    a.setAttribute('aria-label', incident.reference + ' · ' + incident.statusLabel);
    var circle = document.createElementNS(SVG, 'circle');
    circle.setAttribute('cx', String(incident.x));
    circle.setAttribute('cy', String(incident.y));
    circle.setAttribute('r', '10');
    circle.setAttribute('fill', colour);
    circle.setAttribute('stroke', '#fff');
    circle.setAttribute('stroke-width', '2.5');
    var title = document.createElementNS(SVG, 'title');
    title.textContent = incident.reference + ' · ' + incident.statusLabel;
    circle.appendChild(title);
    a.appendChild(circle);
    if (existing) existing.replaceWith(a);
    else markers.appendChild(a);
  }

  /** The mark of a simulated report (or of an incident holding some), after a space. */
  function tag(text) {
    var span = document.createElement('span');
    span.className = 'tag simulated';
    span.textContent = text;
    var wrap = document.createDocumentFragment();
    wrap.appendChild(document.createTextNode(' '));
    wrap.appendChild(span);
    return wrap;
  }

  function showIncident(incident, changedAt) {
    if (typeof incident.id !== 'string' || !isSafePath(incident.url)) return;
    var existing = byId(rows, incident.id);
    var shownSince = existing ? Number(existing.getAttribute('data-changed')) : -1;
    // A replay may bring an older state of an incident the board already shows newer.
    if (shownSince > changedAt) return;
    (incident.groupedReports || []).forEach(function (reportId) {
      var queued = byId(triage, reportId);
      if (queued) queued.remove();
    });
    toggleEmpty('no-triage', triage);
    placeMarker(incident);
    if (incident.hidden) {
      if (existing) existing.remove();
      toggleEmpty('no-incidents', rows);
      return;
    }
    var tr = document.createElement('tr');
    tr.setAttribute('data-id', incident.id);
    tr.setAttribute('data-changed', String(changedAt));
    // Only a real change is highlighted, not the replay of what the page already showed.
    if (shownSince < changedAt) tr.className = 'fresh';
    var first = document.createElement('td');
    first.appendChild(link(incident.url, incident.reference));
    tr.appendChild(first);
    var statusCell = document.createElement('td');
    var status = document.createElement('span');
    status.className = 'status incident-status status-' + String(incident.status).replace(/[^a-z_]/g, '');
    status.textContent = incident.statusLabel;
    statusCell.appendChild(status);
    tr.appendChild(statusCell);
    tr.appendChild(cell(incident.type));
    tr.appendChild(cell(incident.agency));
    tr.appendChild(cell(incident.zip));
    var reportsCell = cell(incident.reports);
    if (incident.simulated) reportsCell.appendChild(tag(incident.simulated));
    tr.appendChild(reportsCell);
    tr.appendChild(cell(incident.onWay));
    tr.appendChild(cell(incident.updated));
    if (existing) existing.remove();
    rows.insertBefore(tr, rows.firstChild);
    toggleEmpty('no-incidents', rows);
  }

  function addForm(suggestion, reportId) {
    var form = document.createElement('form');
    form.method = 'post';
    form.action = suggestion.addUrl;
    form.className = 'inline-form';
    [
      ['_csrf', triage.getAttribute('data-csrf') || ''],
      ['report_id', reportId],
    ].forEach(function (pair) {
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    var button = document.createElement('button');
    button.type = 'submit';
    button.className = 'secondary';
    button.textContent = suggestion.addLabel;
    form.appendChild(button);
    return form;
  }

  function showReport(report) {
    if (typeof report.id !== 'string' || byId(triage, report.id) || !isSafePath(report.url)) return;
    var tr = document.createElement('tr');
    tr.setAttribute('data-id', report.id);
    tr.className = 'fresh';
    var first = document.createElement('td');
    first.appendChild(link(report.url, report.reference));
    if (report.simulated) first.appendChild(tag(report.simulated));
    tr.appendChild(first);
    tr.appendChild(cell(report.received));
    tr.appendChild(cell(report.activity));
    tr.appendChild(cell(report.zip));
    tr.appendChild(cell(report.agency));
    var suggestions = document.createElement('td');
    if (report.suggestions && report.suggestions.length > 0) {
      var list = document.createElement('ul');
      list.className = 'suggestions';
      report.suggestions.forEach(function (suggestion) {
        if (!isSafePath(suggestion.url) || !isSafePath(suggestion.addUrl)) return;
        var li = document.createElement('li');
        li.appendChild(link(suggestion.url, suggestion.reference));
        li.appendChild(
          document.createTextNode(
            ' ' + suggestion.status + ' · ' + suggestion.type + ' · ' + suggestion.nearness + ' ',
          ),
        );
        li.appendChild(addForm(suggestion, report.id));
        list.appendChild(li);
      });
      suggestions.appendChild(list);
    }
    tr.appendChild(suggestions);
    var group = document.createElement('td');
    if (isSafePath(report.groupUrl)) group.appendChild(link(report.groupUrl, report.groupLabel));
    tr.appendChild(group);
    triage.insertBefore(tr, triage.firstChild);
    toggleEmpty('no-triage', triage);
  }

  var source = new EventSource(board.getAttribute('data-events'));
  source.addEventListener('open', function () {
    setLive(true);
  });
  source.addEventListener('error', function () {
    // The browser retries by itself; until it succeeds the board may be behind.
    setLive(false);
  });
  source.addEventListener('incident', function (event) {
    try {
      showIncident(JSON.parse(event.data), Number(event.lastEventId) || 0);
    } catch (e) {
      // A malformed event is ignored; the next refresh shows the truth.
    }
  });
  source.addEventListener('report', function (event) {
    try {
      showReport(JSON.parse(event.data));
    } catch (e) {
      // As above.
    }
  });
})();
