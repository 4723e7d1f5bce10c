// Progressive enhancement for the report form: a "Use my location" button, created only when JavaScript
// runs and the browser offers geolocation. It fills the location field with rounded coordinates (about
// 100 m), marked approximate; nothing is sent anywhere until the reporter submits the form.
(function () {
  'use strict';
  var field = document.getElementById('location');
  if (!field || !('geolocation' in navigator)) return;

  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary use-location';
  button.textContent = field.getAttribute('data-use-location') || 'Use my location';

  var message = document.createElement('span');
  message.className = 'field-error';
  message.setAttribute('role', 'status');

  button.addEventListener('click', function () {
    button.disabled = true;
    message.textContent = '';
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var lat = position.coords.latitude.toFixed(3);
        var lon = position.coords.longitude.toFixed(3);
        field.value =
          lat + ', ' + lon + ' (' + (field.getAttribute('data-approximate') || 'approximate') + ')';
        button.disabled = false;
        field.focus();
      },
      function () {
        message.textContent = field.getAttribute('data-unavailable') || '';
        button.disabled = false;
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 },
    );
  });

  field.insertAdjacentElement('afterend', message);
  field.insertAdjacentElement('afterend', button);
})();
