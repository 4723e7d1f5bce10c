// The observation log's queue of entries not yet sent (issue 17), shared by the page's script and the service
// worker: kept in IndexedDB under the entry's own id, sent with the form's fields, dropped only once the
// server said it has the entry. The server keys entries by that id, so sending one twice stores it once.
(function (scope) {
  'use strict';
  var DB_NAME = 'amparo-observations';
  var STORE = 'queue';

  function open() {
    return new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: 'clientId' });
      };
      request.onsuccess = function () {
        resolve(request.result);
      };
      request.onerror = function () {
        reject(request.error);
      };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () {
          db.close();
          resolve(result && 'result' in result ? result.result : undefined);
        };
        tx.onerror = function () {
          db.close();
          reject(tx.error);
        };
      });
    });
  }

  function put(entry) {
    return run('readwrite', function (store) {
      return store.put(entry);
    });
  }

  function remove(clientId) {
    return run('readwrite', function (store) {
      return store.delete(clientId);
    });
  }

  function all() {
    return run('readonly', function (store) {
      return store.getAll();
    }).then(function (entries) {
      return (entries || []).sort(function (a, b) {
        return a.queuedAt - b.queuedAt;
      });
    });
  }

  /** Sends one entry; true when the server has it (stored now or before). */
  function send(entry) {
    return scope
      .fetch(entry.action, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: entry.body,
      })
      .then(function (response) {
        return response.ok;
      });
  }

  var flushing = null;

  /** Sends what waits, oldest first; stops at the first failure. Resolves to how many were sent. */
  function flush() {
    if (flushing) return flushing;
    var sent = 0;
    flushing = all()
      .then(function (entries) {
        return entries.reduce(function (previous, entry) {
          return previous.then(function (going) {
            if (!going) return false;
            return send(entry).then(
              function (ok) {
                if (!ok) return false;
                sent += 1;
                return remove(entry.clientId).then(function () {
                  return true;
                });
              },
              function () {
                return false;
              },
            );
          });
        }, Promise.resolve(true));
      })
      .then(
        function () {
          flushing = null;
          return sent;
        },
        function (error) {
          flushing = null;
          throw error;
        },
      );
    return flushing;
  }

  function count() {
    return all().then(function (entries) {
      return entries.length;
    });
  }

  scope.AmparoObservationQueue = {
    put: put,
    remove: remove,
    all: all,
    count: count,
    send: send,
    flush: flush,
  };
})(self);
