// The observation log's form with JavaScript (issue 17): the entry goes into the queue on this phone first,
// then is sent. Without signal it waits there and goes when the phone is back online (here, or through the
// service worker's Background Sync), so nothing written is lost. The page says how many entries wait.
(function () {
  'use strict';
  var form = document.getElementById('observation-form');
  var pending = document.getElementById('observations-pending');
  var queue = window.AmparoObservationQueue;
  if (!form || !pending || !queue || !window.indexedDB || !window.fetch) return;

  var timeField = form.elements.namedItem('event_at');
  var timeTouched = false;
  var lastNotice = '';
  if (timeField)
    timeField.addEventListener('input', function () {
      timeTouched = true;
    });

  var registration = null;
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/assets/observations-sw.js').then(
      function (found) {
        registration = found;
      },
      function () {
        registration = null;
      },
    );
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join('');
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
  }

  /** The plural sentence for n, from the two the server wrote in the form's language (1 and 2). */
  function pendingText(n) {
    if (n === 1) return form.getAttribute('data-pending-one');
    return form.getAttribute('data-pending-other').replace(/^2(?!\d)/, String(n));
  }

  function showCount() {
    return queue.count().then(function (n) {
      pending.textContent = n === 0 ? '' : (lastNotice ? lastNotice + ' ' : '') + pendingText(n);
      pending.hidden = n === 0;
      pending.setAttribute('data-count', String(n));
      return n;
    });
  }

  /** Sends what waits; when something arrived, the page is drawn again to show it in the timeline. */
  function flushAndShow() {
    return queue
      .flush()
      .then(function (sent) {
        return queue.count().then(function (left) {
          if (sent > 0 && left === 0) {
            window.location.assign(form.getAttribute('action'));
            return;
          }
          return showCount();
        });
      })
      .catch(function () {
        return showCount();
      });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var data = new URLSearchParams(new FormData(form));
    // Left alone, the time is when the person wrote the entry on the phone, not when it reached the server.
    if (!timeTouched) data.set('event_at_iso', new Date().toISOString());
    var entry = {
      clientId: data.get('client_id'),
      action: form.getAttribute('action'),
      body: data.toString(),
      queuedAt: Date.now(),
    };
    queue
      .put(entry)
      .then(function () {
        // A fresh form for the next entry: its own id, the text cleared, the time back to now.
        form.elements.namedItem('client_id').value = uuid();
        form.elements.namedItem('text').value = '';
        Array.prototype.forEach.call(form.querySelectorAll('input[name="kind"]'), function (radio) {
          radio.checked = false;
        });
        timeTouched = false;
        if (registration && registration.sync)
          registration.sync.register('amparo-observations').catch(function () {});
        if (!navigator.onLine) {
          lastNotice = form.getAttribute('data-kept-offline');
          return showCount();
        }
        return queue.flush().then(function (sent) {
          return queue.count().then(function (left) {
            if (sent > 0 && left === 0) {
              window.location.assign(form.getAttribute('action'));
              return;
            }
            lastNotice = form.getAttribute('data-kept-offline');
            return showCount();
          });
        });
      })
      .catch(function () {
        // IndexedDB refused (private mode, full): the plain form still works.
        form.submit();
      });
  });

  window.addEventListener('online', function () {
    lastNotice = '';
    flushAndShow();
  });

  flushAndShow();
})();
