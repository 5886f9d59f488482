/* Vicon status page: GET /api/request_status?id=&token= and show it. */
(function () {
  'use strict';
  const $ = V.$;
  // Status names come from the server (`status_label`, `history[].label`: lifecycle.STATUS_LABELS and
  // PUBLIC_HISTORY_LABELS): one set of words for the status page, the server-rendered pages and the mails.
  const DESC = {
    submitted: 'Tim Teknis Diskominfo memverifikasi permohonan paling lambat 1 hari kerja.',
    approved: 'Permohonan disetujui. Zoom Meeting sedang dibuat; detailnya muncul di sini dan dikirim ke email kontak.',
    provisioned: 'Zoom Meeting sudah siap. Detailnya juga telah dikirim ke email kontak.',
    completed: 'Kegiatan telah selesai. Terima kasih telah menggunakan layanan ini.',
    rejected: 'Permohonan tidak dapat dilayani. Alasannya dikirim ke email kontak.',
    cancelled: 'Permohonan telah dibatalkan. Bila Zoom Meeting sudah dibuat, meeting itu dihapus dan pembatalan undangan kalender dikirim ke email kontak; tidak ada lagi yang perlu dilakukan.',
    provisioning_failed: 'Pembuatan meeting tertunda dan sedang dicoba ulang otomatis. Tim Teknis sudah diberi tahu; kabar berikutnya dikirim ke email kontak.'
  };
  const q = new URLSearchParams(location.search), id = q.get('id'), token = q.get('token');
  const errBox = $('status-error'), view = $('view'), loading = $('loading');

  function fail(title, msgs, retry) {
    loading.hidden = true;
    view.hidden = true;
    $('status-error-title').textContent = title;
    const ul = $('status-error-list');
    ul.textContent = '';
    msgs.forEach(m => V.add(ul, 'li', m));
    $('retry').hidden = !retry;
    errBox.hidden = false;
    errBox.focus();
  }

  const meetingId = v => {
    const d = String(v).replace(/\D/g, '');
    const g = d.length === 11 ? [3, 4, 4] : d.length === 10 ? [3, 3, 4] : d.length === 9 ? [3, 3, 3] : null;
    if (!g) return String(v);
    let i = 0;
    return g.map(n => d.slice(i, i += n)).join(' ');
  };

  function render(b) {
    const s = b.status;
    V.setZone(b.timezone, b.timezone_label); // times below are shown in the service's zone, with its label
    $('request-id').textContent = b.id || id;
    const cur = $('current-status');
    cur.textContent = b.status_label || s || '—';
    cur.dataset.s = s || '';
    const office = V.identity && V.identity.office_short_name; // OFFICE_SHORT_NAME, once intake_options answered
    $('status-desc').textContent = office ? (DESC[s] || '').replace('Diskominfo', office) : DESC[s] || '';
    const r = $('status-reason');
    r.hidden = !b.reason;
    r.textContent = b.reason ? 'Alasan: ' + b.reason : '';
    $('event-name').textContent = b.event_name || '—';
    $('event-opd').textContent = (b.opd_other ? b.opd + ': ' + b.opd_other : b.opd) || '—';
    $('event-when').textContent = b.start ? V.range(b.start, b.end) : '—';

    const m = b.meeting, box = $('meeting');
    box.hidden = !m;
    if (m) {
      const a = $('join-url'), u = String(m.join_url || '');
      a.textContent = u || '—';
      if (/^https?:\/\//i.test(u)) a.href = u; else a.removeAttribute('href');
      $('meeting-id').textContent = m.id ? meetingId(m.id) : '—';
      $('meeting-passcode').textContent = m.passcode || '—';
      const w = m.start && (m.start !== b.start || m.end !== b.end) ? V.range(m.start, m.end) : '';
      $('meeting-when').textContent = w;
      $('meeting-when').hidden = $('meeting-when-label').hidden = !w;
    }

    const tl = $('timeline');
    tl.textContent = '';
    const h = (Array.isArray(b.history) ? b.history.slice() : []).sort((x, y) => (Date.parse(x.at) || 0) - (Date.parse(y.at) || 0));
    h.forEach((it, i) => {
      const li = V.add(tl, 'li');
      V.add(li, 'strong', it.label || it.status || '');
      const t = V.add(li, 'time', V.dt(it.at));
      t.dateTime = it.at || '';
      if (i === h.length - 1) li.setAttribute('aria-current', 'step');
    });
    if (!h.length) V.add(tl, 'li', 'Belum ada riwayat.');

    $('cancel').hidden = !b.can_cancel;
    $('cancel-confirm').hidden = true;

    document.title = (b.id || id) + ' · Status Permohonan · Vicon';
    loading.hidden = errBox.hidden = true;
    view.hidden = false;
  }

  function load() {
    if (!id || !token) {
      return fail('Tautan status tidak lengkap', ['Buka tautan “Lihat status permohonan” dari email tanda terima, tanpa mengubahnya.'], false);
    }
    loading.hidden = false;
    errBox.hidden = true;
    return V.getJSON('/api/request_status?id=' + encodeURIComponent(id) + '&token=' + encodeURIComponent(token))
      .then(r => {
        if (r.ok && r.body && r.body.status) return render(r.body);
        const errs = r.body && Array.isArray(r.body.errors) ? r.body.errors.map(e => String(e.message || '')).filter(Boolean) : [];
        if (r.status >= 500 || r.status === 429) {
          return fail('Status belum dapat dimuat', errs.length ? errs : ['Terjadi gangguan pada server (kode ' + r.status + '). Coba lagi beberapa saat lagi.'], true);
        }
        fail(r.status === 404 ? 'Permohonan tidak ditemukan' : 'Status tidak dapat ditampilkan',
          errs.length ? errs : ['Tautan tidak valid atau sudah kedaluwarsa (kode ' + r.status + ').'], r.ok);
      })
      .catch(() => fail('Status belum dapat dimuat', ['Koneksi ke server gagal. Periksa koneksi internet Anda, lalu coba lagi.'], true));
  }

  function cancel() {
    const msg = $('cancel-message'), yes = $('cancel-yes');
    yes.disabled = true;
    msg.textContent = 'Membatalkan…';
    const body = new URLSearchParams({ id: id, token: token });
    fetch('/api/cancel_request', { method: 'POST', body: body, headers: { Accept: 'application/json' } })
      .then(r => r.json().catch(() => ({})).then(b => ({ ok: r.ok, b: b })))
      .then(({ ok, b }) => {
        yes.disabled = false;
        if (!ok) {
          msg.textContent = (b.errors || []).map(e => e.message).join(' ') || 'Pembatalan gagal; coba lagi.';
          return;
        }
        msg.textContent = 'Permohonan dibatalkan.';
        // The cancel section disappears with the new status: focus (and so the screen reader) moves to the status.
        return load().then(() => {
          const status = $('current-status');
          status.setAttribute('tabindex', '-1');
          status.focus();
        });
      })
      .catch(() => { yes.disabled = false; msg.textContent = 'Koneksi ke server gagal; coba lagi.'; });
  }

  $('cancel-start').addEventListener('click', () => { $('cancel-confirm').hidden = false; $('cancel-yes').focus(); });
  $('cancel-no').addEventListener('click', () => { $('cancel-confirm').hidden = true; $('cancel-start').focus(); });
  $('cancel-yes').addEventListener('click', cancel);
  $('retry').addEventListener('click', load);
  $('refresh').addEventListener('click', load);
  load();
})();
