// The incident's media form, with JavaScript: the file goes by tus (tus-js-client, served from this site) in
// pieces, so a weak signal only pauses it. Progress is shown; a lost connection is retried, and when the phone
// comes back online the upload goes on from the last piece the server has. Without JavaScript the form posts
// the file whole (small files only).
(function () {
  'use strict';
  var form = document.getElementById('evidence-form');
  if (!form || !window.tus || !window.tus.isSupported) return;
  var input = document.getElementById('evidence-file');
  var bar = document.getElementById('evidence-progress');
  var status = document.getElementById('evidence-status');
  var small = document.getElementById('evidence-small');
  if (small) small.style.display = 'none';
  var current = null;

  function say(text) {
    status.textContent = text;
  }

  function start(file) {
    var sha256 = '';
    var upload = new window.tus.Upload(file, {
      endpoint: form.dataset.uploads,
      chunkSize: 4 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000],
      removeFingerprintOnSuccess: true,
      headers: { 'X-CSRF-Token': form.dataset.csrf },
      metadata: { filename: file.name, filetype: file.type || 'application/octet-stream' },
      onProgress: function (sent, total) {
        var percent = total > 0 ? Math.floor((sent / total) * 100) : 0;
        bar.hidden = false;
        bar.value = percent;
        say(form.dataset.progress.replace('{percent}', String(percent)));
      },
      onShouldRetry: function () {
        say(form.dataset.paused);
        return true;
      },
      onAfterResponse: function (_request, response) {
        var hash = response.getHeader('Evidence-Sha256');
        if (hash) sha256 = hash;
      },
      onError: function () {
        current = null;
        say(form.dataset.failed);
      },
      onSuccess: function () {
        current = null;
        bar.value = 100;
        say(form.dataset.done.replace('{sha256}', sha256));
        window.setTimeout(function () {
          window.location.reload();
        }, 1500);
      },
    });
    current = upload;
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var file = input.files && input.files[0];
    if (!file || current) return;
    start(file);
  });
  window.addEventListener('online', function () {
    if (current) current.start();
  });
})();
