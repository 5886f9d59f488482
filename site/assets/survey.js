/* Vicon survey page: GET /api/submit_survey?token= names the request, POST the answers (one survey per request). */
(function () {
  'use strict';
  const $ = V.$;
  const token = new URLSearchParams(location.search).get('token') || '';
  const form = $('survey-form'), summary = $('error-summary'), errBox = $('survey-error');
  const ELEMENTS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9'];

  function fail(title, msgs) {
    $('loading').hidden = true;
    form.hidden = true;
    $('survey-error-title').textContent = title;
    const ul = $('survey-error-list');
    ul.textContent = '';
    msgs.forEach(m => V.add(ul, 'li', m));
    errBox.hidden = false;
    errBox.focus();
  }

  function messages(body, fallback) {
    const errs = body && Array.isArray(body.errors) ? body.errors.map(e => String(e.message || '')).filter(Boolean) : [];
    return errs.length ? errs : [fallback];
  }

  function done(title, text) {
    form.hidden = true;
    summary.hidden = true;
    $('survey-done-title').textContent = title;
    $('survey-done-text').textContent = text;
    const box = $('survey-done');
    box.hidden = false;
    box.focus();
  }

  function clearErrors() {
    summary.hidden = true;
    summary.textContent = '';
    document.querySelectorAll('.field-error').forEach(e => { e.textContent = ''; });
    document.querySelectorAll('[aria-invalid]').forEach(e => e.removeAttribute('aria-invalid'));
    document.querySelectorAll('.err').forEach(e => e.classList.remove('err'));
  }

  // Each problem next to its field and, linked, in the summary at the top (focused, so it is read out).
  function showErrors(errors) {
    clearErrors();
    V.add(summary, 'h2', 'Survei belum dapat dikirim');
    const ul = V.add(summary, 'ul');
    errors.forEach(e => {
      const name = e.field || '';
      const target = $(name + '-1') || $(name);
      const li = V.add(ul, 'li');
      if (target) {
        const a = V.add(li, 'a', e.message);
        a.href = '#' + target.id;
        a.addEventListener('click', ev => { ev.preventDefault(); target.focus(); });
      } else {
        li.textContent = e.message;
      }
      const slot = $(name + '-error');
      if (slot) slot.textContent = e.message;
      const group = $(name + '-group');
      if (group) group.classList.add('err');
      else if (target) target.setAttribute('aria-invalid', 'true');
    });
    summary.hidden = false;
    summary.focus();
  }

  function missing() {
    return ELEMENTS.filter(k => !form.querySelector('input[name="' + k + '"]:checked')).map(k => {
      const legend = $(k + '-group').querySelector('legend').textContent;
      return { field: k, message: 'Pilih salah satu jawaban untuk unsur ' + legend.replace(/^(\d+)\. (.*)$/, '$1 ($2)') + '.' };
    });
  }

  function submit(ev) {
    ev.preventDefault();
    const absent = missing();
    if (absent.length) return showErrors(absent);
    const button = $('survey-submit');
    button.disabled = true;
    $('sending').hidden = false;
    fetch('/api/submit_survey', { method: 'POST', body: new FormData(form), headers: { Accept: 'application/json' } })
      .then(r => r.json().catch(() => null).then(b => ({ status: r.status, body: b })))
      .then(({ status, body }) => {
        button.disabled = false;
        $('sending').hidden = true;
        if (status === 201) return done('Terima kasih', 'Penilaian Anda sudah kami terima dan akan dipakai dalam evaluasi layanan triwulan ini.');
        if (status === 409) return done('Survei sudah diisi', messages(body, 'Survei untuk permohonan ini sudah diisi.').join(' '));
        if (status === 422) return showErrors(body && Array.isArray(body.errors) ? body.errors : [{ field: null, message: 'Periksa kembali jawaban Anda.' }]);
        if (status >= 500 || status === 429) return showErrors([{ field: null, message: 'Survei belum terkirim karena gangguan pada server (kode ' + status + '); coba lagi beberapa saat lagi.' }]);
        fail('Survei tidak dapat dikirim', messages(body, 'Tautan tidak valid atau sudah kedaluwarsa (kode ' + status + ').'));
      })
      .catch(() => {
        button.disabled = false;
        $('sending').hidden = true;
        showErrors([{ field: null, message: 'Koneksi ke server gagal. Periksa koneksi internet Anda, lalu kirim lagi.' }]);
      });
  }

  function load() {
    if (!token) return fail('Tautan survei tidak lengkap', ['Buka tautan “Isi survei kepuasan” dari email Vicon, tanpa mengubahnya.']);
    $('loading').hidden = false;
    V.getJSON('/api/submit_survey?token=' + encodeURIComponent(token)).then(r => {
      $('loading').hidden = true;
      if (!r.ok || !r.body) {
        const title = r.status === 409 ? 'Survei belum dibuka' : r.status === 410 ? 'Tautan survei sudah kedaluwarsa' : 'Survei tidak dapat dibuka';
        return fail(title, messages(r.body, 'Tautan tidak valid (kode ' + r.status + ').'));
      }
      const b = r.body;
      V.setZone(b.timezone, b.timezone_label);
      $('survey-request').textContent = b.id;
      $('survey-event').textContent = b.event_name || '—';
      $('survey-opd').textContent = b.opd || '—';
      $('survey-when').textContent = b.start ? V.range(b.start, b.end) : '—';
      $('survey-for').hidden = false;
      if (b.answered) return done('Survei sudah diisi', 'Survei untuk permohonan ini sudah diisi. Terima kasih atas penilaian Anda.');
      $('token').value = token;
      form.hidden = false;
    }).catch(() => fail('Survei belum dapat dimuat', ['Koneksi ke server gagal. Periksa koneksi internet Anda, lalu muat ulang halaman ini.']));
  }

  form.addEventListener('submit', submit);
  load();
})();
