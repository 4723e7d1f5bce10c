// Live delivery progress on an alert's page: counts arrive over server-sent events and replace the numbers
// in place, with textContent only. Without JavaScript the page still shows the counts as they were when it
// loaded, and its Refresh link shows them as they are.
(function () {
  'use strict';
  var table = document.getElementById('alert-progress');
  var indicator = document.getElementById('live-indicator');
  var status = document.getElementById('alert-status');
  if (!table || !indicator || typeof EventSource === 'undefined') return;

  function setLive(live) {
    indicator.hidden = false;
    indicator.textContent = indicator.getAttribute(live ? 'data-live' : 'data-lost') || '';
    indicator.className = live ? 'live-indicator on' : 'live-indicator off';
  }

  function show(progress) {
    var cells = table.querySelectorAll('[data-count]');
    for (var i = 0; i < cells.length; i++) {
      var value = progress[cells[i].getAttribute('data-count')];
      if (typeof value === 'number') cells[i].textContent = String(value);
    }
    if (status && typeof progress.statusLabel === 'string' && typeof progress.status === 'string') {
      status.textContent = progress.statusLabel;
      status.className = 'status alert-status alert-status-' + progress.status.replace(/[^a-z_]/g, '');
    }
    table.setAttribute('data-status', String(progress.status));
  }

  var source = new EventSource(table.getAttribute('data-events'));
  source.addEventListener('open', function () {
    setLive(true);
  });
  source.addEventListener('error', function () {
    // The browser retries by itself; meanwhile the counts may be behind.
    setLive(false);
  });
  source.addEventListener('progress', function (event) {
    try {
      show(JSON.parse(event.data));
    } catch (e) {
      // A malformed event is ignored; the next one, or a refresh, shows the truth.
    }
  });
})();
