// Live updates for the home page: when one of the existing event streams says something changed (a new report,
// an incident moved, a responder answered), the page fetches itself again and swaps in its panels. The panels
// come from this site's own server-rendered page, parsed as an inert document. Without JavaScript the page
// still works through its Refresh link.
(function () {
  'use strict';
  var panels = document.getElementById('home-panels');
  var indicator = document.getElementById('live-indicator');
  if (!panels || !indicator || typeof EventSource === 'undefined' || typeof DOMParser === 'undefined') return;
  var urls = (panels.getAttribute('data-events') || '').split(' ').filter(Boolean);
  if (urls.length === 0) return;

  function setLive(live) {
    indicator.hidden = false;
    indicator.textContent = indicator.getAttribute(live ? 'data-live' : 'data-lost') || '';
    indicator.className = live ? 'live-indicator on' : 'live-indicator off';
  }

  var timer = null;
  var fetching = false;
  var again = false;

  function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    fetch('/console', { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (response) {
        if (!response.ok) throw new Error('refresh failed');
        return response.text();
      })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, 'text/html').getElementById('home-panels');
        if (!fresh) return;
        // Never pull a control from under the person using it: wait until the focus leaves the panels.
        if (panels.contains(document.activeElement)) {
          panels.addEventListener('focusout', schedule, { once: true });
          return;
        }
        panels.replaceChildren.apply(
          panels,
          Array.prototype.map.call(fresh.childNodes, function (node) {
            return document.importNode(node, true);
          }),
        );
        panels.setAttribute('data-refreshed', String(Date.now()));
      })
      .catch(function () {
        setLive(false);
      })
      .then(function () {
        fetching = false;
        if (again) {
          again = false;
          schedule();
        }
      });
  }

  // Several events in a burst (a report grouped into an incident) make one refresh.
  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () {
      timer = null;
      refresh();
    }, 400);
  }

  urls.forEach(function (url) {
    var source = new EventSource(url);
    source.addEventListener('open', function () {
      setLive(true);
    });
    source.addEventListener('error', function () {
      setLive(false);
    });
    ['report', 'incident', 'message'].forEach(function (name) {
      source.addEventListener(name, schedule);
    });
  });
})();
