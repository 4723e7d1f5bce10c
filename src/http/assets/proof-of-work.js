// Proof of work for a form that carries a challenge (the web alert sign-up; the staff sign-in of a client that
// failed too often), solved in the browser with Web Crypto: no widget, nothing from another origin. The form carries a challenge signed by the server (ALTCHA's second scheme, SHA-256 with
// cost 1): find the counter whose SHA-256(salt || nonce || counter as 4 big-endian bytes) starts with the
// key prefix, then send back {challenge, solution} as base64 JSON in the hidden "altcha" field. Without
// this script (or without Web Crypto) the sign-up form stays hidden and the page says how to sign up by
// text; the sign-in page says what to do instead (its data-unsupported names the paragraph to show).
(function () {
  'use strict';
  var form = document.querySelector('form[data-challenge]');
  if (!form) return;
  var unsupported = document.getElementById(form.getAttribute('data-unsupported') || 'alerts-no-proof');
  if (!window.crypto || !window.crypto.subtle || !window.Promise || !window.DataView || !window.btoa) {
    if (unsupported) unsupported.hidden = false;
    return;
  }
  var field = form.querySelector('input[name="altcha"]');
  var status = document.getElementById('proof-status');
  var button = form.querySelector('button[type="submit"]');
  var challenge;
  try {
    challenge = JSON.parse(form.getAttribute('data-challenge') || '');
  } catch (error) {
    if (unsupported) unsupported.hidden = false;
    return;
  }
  form.hidden = false;

  // Counters tried per round: enough digests in flight to hide Web Crypto's per-call cost.
  var BATCH = 500;
  // Far beyond any counter the server picks; stops a broken challenge from running forever.
  var LIMIT = 20000000;

  function hexToBytes(hex) {
    var bytes = new Uint8Array(hex.length / 2);
    for (var i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    return bytes;
  }

  function bytesToHex(bytes) {
    var hex = '';
    for (var i = 0; i < bytes.length; i += 1) hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return hex;
  }

  function startsWith(bytes, prefix) {
    for (var i = 0; i < prefix.length; i += 1) if (bytes[i] !== prefix[i]) return false;
    return true;
  }

  function solve() {
    var p = challenge.parameters;
    if (p.algorithm !== 'SHA-256' || p.cost !== 1 || p.keyPrefix.length % 2 !== 0) {
      return Promise.reject(new Error('unsupported challenge'));
    }
    var salt = hexToBytes(p.salt);
    var nonce = hexToBytes(p.nonce);
    var prefix = hexToBytes(p.keyPrefix);
    var keyLength = p.keyLength || 32;
    var counterAt = salt.length + nonce.length;

    function round(start) {
      var digests = [];
      for (var i = 0; i < BATCH; i += 1) {
        var data = new Uint8Array(counterAt + 4);
        data.set(salt, 0);
        data.set(nonce, salt.length);
        new DataView(data.buffer).setUint32(counterAt, start + i, false);
        digests.push(window.crypto.subtle.digest('SHA-256', data));
      }
      return Promise.all(digests).then(function (results) {
        for (var j = 0; j < results.length; j += 1) {
          var key = new Uint8Array(results[j]).subarray(0, keyLength);
          if (startsWith(key, prefix)) return { counter: start + j, derivedKey: bytesToHex(key) };
        }
        if (start + BATCH >= LIMIT) throw new Error('no solution');
        return round(start + BATCH);
      });
    }
    return round(0);
  }

  var solving = null;
  function begin() {
    if (!solving) {
      solving = solve().then(
        function (solution) {
          field.value = window.btoa(JSON.stringify({ challenge: challenge, solution: solution }));
          return true;
        },
        function () {
          return false;
        },
      );
    }
    return solving;
  }

  // Start while the person types, so the answer is usually ready when they press the button.
  form.addEventListener('focusin', begin);

  form.addEventListener('submit', function (event) {
    if (field.value) return;
    event.preventDefault();
    button.disabled = true;
    status.textContent = form.getAttribute('data-working') || '';
    begin().then(function (solved) {
      if (solved) {
        status.textContent = '';
        // submit() sends the form without firing this listener again.
        form.submit();
      } else {
        status.textContent = form.getAttribute('data-failed') || '';
        button.disabled = false;
        solving = null;
      }
    });
  });
})();
