// Live updates for the console's report list: new reports arrive over server-sent events and are added at
// the top. Rows are built with DOM methods and textContent only, so report data can never become markup.
// Without JavaScript the page still works through its Refresh link.
(function () {
  'use strict';
  var body = document.getElementById('report-rows');
  var indicator = document.getElementById('live-indicator');
  if (!body || !indicator || typeof EventSource === 'undefined') return;

  function setLive(live) {
    indicator.hidden = false;
    indicator.textContent = indicator.getAttribute(live ? 'data-live' : 'data-lost') || '';
    indicator.className = live ? 'live-indicator on' : 'live-indicator off';
  }

  function cell(text) {
    var td = document.createElement('td');
    td.textContent = text;
    return td;
  }

  function addRow(report) {
    if (typeof report.id !== 'string' || body.querySelector('tr[data-id="' + CSS.escape(report.id) + '"]'))
      return;
    var tr = document.createElement('tr');
    tr.setAttribute('data-id', report.id);
    tr.className = 'fresh';
    var first = document.createElement('td');
    var link = document.createElement('a');
    link.href = '/console/reports/' + encodeURIComponent(report.id);
    link.textContent = report.reference;
    first.appendChild(link);
    if (report.simulated) {
      var tag = document.createElement('span');
      tag.className = 'tag simulated';
      tag.textContent = report.simulated;
      first.appendChild(document.createTextNode(' '));
      first.appendChild(tag);
    }
    tr.appendChild(first);
    tr.appendChild(cell(report.received));
    tr.appendChild(cell(report.activity));
    tr.appendChild(cell(report.zip));
    tr.appendChild(cell(report.agency));
    tr.appendChild(cell(report.source));
    tr.appendChild(cell(report.photo));
    var statusCell = document.createElement('td');
    var status = document.createElement('span');
    status.className = 'status';
    status.textContent = report.status;
    statusCell.appendChild(status);
    tr.appendChild(statusCell);
    body.insertBefore(tr, body.firstChild);
    var empty = document.getElementById('no-reports');
    if (empty) empty.remove();
  }

  var source = new EventSource(body.getAttribute('data-events'));
  source.addEventListener('open', function () {
    setLive(true);
  });
  source.addEventListener('error', function () {
    // The browser retries by itself; until it succeeds the list may be missing reports.
    setLive(false);
  });
  source.addEventListener('report', function (event) {
    try {
      addRow(JSON.parse(event.data));
    } catch (e) {
      // A malformed event is ignored; the next refresh shows the truth.
    }
  });
})();
