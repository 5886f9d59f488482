/* Vicon review page: the browser's own checks, in Bahasa Indonesia, for each of the two decisions.
   The page works without this script: the approve button needs the required checkbox (the browser enforces it),
   and a rejection without a reason is refused by the server with the page shown again. */
(function () {
  'use strict';
  var form = document.getElementById('decision-form');
  if (!form) return;
  var confirmBox = document.getElementById('confirm');
  var reason = document.getElementById('reason');
  var approve = document.getElementById('approve-button');
  var reject = document.getElementById('reject-button');
  var sending = document.getElementById('decision-sending');

  function confirmMessage() {
    confirmBox.setCustomValidity(confirmBox.checked ? '' : 'Centang pernyataan ini untuk menyetujui dan membuat meeting Zoom.');
  }
  confirmBox.addEventListener('change', confirmMessage);
  confirmMessage();

  reason.addEventListener('input', function () { reason.setCustomValidity(''); });
  // The reject button skips the form's validation (formnovalidate: the approval checkbox is not its business),
  // so its own requirement, a reason, is checked here.
  reject.addEventListener('click', function (event) {
    if (reason.value.trim()) return;
    event.preventDefault();
    reason.setCustomValidity('Tulis alasan penolakan; pemohon menerimanya lewat email.');
    reason.reportValidity();
  });
  approve.addEventListener('click', function () { reason.setCustomValidity(''); });

  // One decision per page: a second tap while the first is on its way (approval waits for Zoom) does nothing.
  form.addEventListener('submit', function (event) {
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = '1';
    if (sending) sending.hidden = false;
  });
  // Back to this page from the browser's cache: it may be used again.
  window.addEventListener('pageshow', function () {
    delete form.dataset.sent;
    if (sending) sending.hidden = true;
  });
})();
