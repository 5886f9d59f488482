/* Vicon intake form: options, client-side checks that mirror the server, submit with fetch. */
(function () {
  'use strict';
  const $ = V.$, form = $('request-form');
  if (!form || !window.fetch || !window.FormData) return; // native POST still works
  const E = form.elements, sum = $('error-summary'), btn = $('submit-button');
  const EV = ['rapat_koordinasi', 'sosialisasi', 'pelatihan', 'pertemuan_resmi', 'lainnya'];
  const LIM = { opd: 200, opd_other: 200, event_name: 200, speakers: 2000, needs_notes: 2000, polls: 20000, participants: 20000, contact_name: 120, letter_number: 100, contact_email: 254 };
  const opt = {
    today: V.today(), // the server's `today` (in its zone) replaces this once the options arrive
    earliest_event_date: null, min_lead_working_days: 2, min_participants: 2, max_participants: null,
    max_letter_bytes: 5242880, letter_max_age_days: 90,
    opd_list: null, opd_other: 'Lainnya'
  };
  const EMPTY = {
    opd: 'Isi nama perangkat daerah (OPD) pemohon.',
    opd_other: 'Tulis nama perangkat daerah/instansi lainnya.',
    letter_number: 'Isi nomor surat permohonan.',
    letter_date: 'Isi tanggal surat permohonan.',
    letter: 'Lampirkan surat permohonan (PDF).',
    event_name: 'Isi nama kegiatan.',
    event_type: 'Pilih jenis kegiatan.',
    start: 'Isi tanggal dan jam mulai kegiatan.',
    end: 'Isi tanggal dan jam selesai kegiatan.',
    participant_count: 'Isi jumlah peserta.',
    participants: 'Isi daftar peserta, satu per baris.',
    speakers: 'Isi narasumber (tulis “Tidak ada” bila tanpa narasumber).',
    contact_name: 'Isi nama kontak person.',
    contact_phone: 'Isi nomor telepon kontak person.',
    contact_email: 'Isi email kontak person.',
    recording_consent: 'Centang persetujuan perekaman, atau batalkan pilihan perekaman.'
  };
  const FIELDS = [...form.querySelectorAll('.field-error')].map(e => e.id.slice(0, -6)); // DOM order
  const boxes = [...form.querySelectorAll('[name=needs]')];
  const rec = $('needs-recording'), consent = E.recording_consent, consentWrap = $('consent-wrap');
  const otherWrap = $('opd_other-wrap');
  // Fields that belong to one need: shown, and sent, only while it is ticked (the server refuses them otherwise).
  const NEED_FIELDS = { breakout_rooms: 'needs-breakout_room', polls: 'needs-polling' };
  const pdf = new WeakMap();

  const ctlId = n => n === 'needs' ? boxes[0].id : n;
  const val = n => (E[n].value || '').trim();
  const len = s => [...s].length;
  const mb = b => V.num(Math.round(b / 104857.6) / 10) + ' MB';
  const addDays = (s, n) => { const d = new Date(s + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10); };
  const label = n => { const l = form.querySelector('label[for="' + n + '"]'); return l ? l.textContent.replace(/\s*\(opsional\)/, '').trim() : n; };
  const validDate = s => /^\d{4}-\d\d-\d\d$/.test(s) && !isNaN(new Date(s + 'T00:00:00Z')) && new Date(s + 'T00:00:00Z').toISOString().startsWith(s);
  const DT = /^\d{4}-\d\d-\d\dT\d\d:\d\d$/;

  // ---- rules (return a message, or '' when fine) ----
  function rule(n) {
    const el = E[n];
    if (n === 'needs') return ''; // fixed choices; the server may still report on it
    if (n === 'recording_consent') return rec.checked && !consent.checked ? EMPTY[n] : '';
    if (n === 'letter') {
      const f = el.files && el.files[0];
      if (!f) return EMPTY[n];
      if (!f.size) return 'Berkas surat kosong. Pilih berkas PDF yang benar.';
      if (f.size > opt.max_letter_bytes) return 'Ukuran surat ' + mb(f.size) + ', melebihi batas ' + mb(opt.max_letter_bytes) + '. Perkecil berkas PDF lalu pilih lagi.';
      if (pdf.get(f) === false) return 'Berkas surat harus PDF (bukan gambar, dokumen Word, atau berkas lain).';
      return '';
    }
    if (n === 'opd_other' && !isOther()) return '';
    if (NEED_FIELDS[n] && el.disabled) return '';
    if (n === 'breakout_rooms' && el.validity && el.validity.badInput) return 'Jumlah breakout room harus bilangan bulat.';
    if (n === 'participant_count' && el.validity && el.validity.badInput) return 'Jumlah peserta harus berupa angka bulat.';
    const v = val(n);
    if (!v) return EMPTY[n] || '';
    const L = LIM[n];
    if (L && len(v) > L) return label(n) + ' terlalu panjang: maks. ' + V.num(L) + ' karakter (sekarang ' + V.num(len(v)) + ').';
    switch (n) {
      case 'opd':
        return !opt.opd_list || canonicalOpd(v) ? '' : 'Perangkat daerah tidak ada dalam daftar. Pilih dari daftar, atau tulis “' + opt.opd_other + '” lalu isi nama instansi.';
      case 'event_type': return EV.includes(v) ? '' : EMPTY[n];
      case 'letter_date': {
        if (!validDate(v)) return 'Tanggal surat tidak valid.';
        if (v > opt.today) return 'Tanggal surat tidak boleh setelah hari ini.';
        const min = addDays(opt.today, -opt.letter_max_age_days);
        return v < min ? 'Surat terlalu lama: tanggal surat paling lama ' + opt.letter_max_age_days + ' hari yang lalu (' + V.date(min) + ').' : '';
      }
      case 'start':
        if (!DT.test(v)) return 'Format waktu mulai tidak valid. Contoh: 2026-12-02T09:00.';
        return opt.earliest_event_date && v.slice(0, 10) < opt.earliest_event_date ? earliestText('Tanggal kegiatan paling cepat ') + '.' : '';
      case 'end': {
        if (!DT.test(v)) return 'Format waktu selesai tidak valid. Contoh: 2026-12-02T11:00.';
        const s = val('start');
        return DT.test(s) && v <= s ? 'Waktu selesai harus setelah waktu mulai.' : '';
      }
      case 'participant_count': {
        if (!/^\d+$/.test(v)) return 'Jumlah peserta harus berupa angka bulat.';
        const c = +v;
        if (c < opt.min_participants) return 'Jumlah peserta minimal ' + opt.min_participants + ' orang.';
        return opt.max_participants && c > opt.max_participants ? 'Jumlah peserta maksimal ' + V.num(opt.max_participants) + ' orang (kapasitas akun Zoom terbesar).' : '';
      }
      case 'contact_phone':
        return /^(?:0|\+?62)[1-9]\d{7,11}$/.test(v.replace(/[\s().\/-]/g, '')) ? '' : 'Nomor telepon harus nomor Indonesia yang diawali 08, +62, atau 62. Contoh: 0812 3456 7890.';
      case 'breakout_rooms':
        if (!/^\d+$/.test(v)) return 'Jumlah breakout room harus bilangan bulat.';
        if (+v < 2) return 'Jumlah breakout room paling sedikit 2.';
        return +v > 50 ? 'Jumlah breakout room paling banyak 50.' : '';
      case 'contact_email':
        return /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(v) ? '' : 'Format email tidak valid. Contoh: nama@instansi.go.id.';
    }
    return '';
  }
  const earliestText = pre => pre + V.date(opt.earliest_event_date) + ' (H-' + opt.min_lead_working_days + ' hari kerja)';

  // ---- showing errors ----
  function setErr(n, msg) {
    const e = $(n + '-error');
    if (!e) return false;
    e.textContent = msg || '';
    (n === 'needs' ? boxes : [E[n]]).forEach(c => msg ? c.setAttribute('aria-invalid', 'true') : c.removeAttribute('aria-invalid'));
    e.parentNode.classList.toggle('err', !!msg);
    return true;
  }
  const check = n => { const m = rule(n); setErr(n, m); return m; };
  const invalid = n => { const e = $(n + '-error'); return e && e.textContent !== ''; };

  const { show: summary, notice } = V.errorSummary(sum);

  // ---- OPD: a name of the regency's list (OPD_LIST) in its spelling; free text only after "Lainnya" ----
  const squash = s => s.replace(/\s+/g, ' ').trim();
  function canonicalOpd(v) {
    const w = squash(v).toLowerCase();
    return [...(opt.opd_list || []), opt.opd_other].find(x => x.toLowerCase() === w) || null;
  }
  const isOther = () => canonicalOpd(val('opd') || '') === opt.opd_other;
  function syncOpd(respell) {
    const c = canonicalOpd(E.opd.value);
    if (respell && c && c !== E.opd.value) E.opd.value = c; // the list's spelling, as the server stores it
    const other = isOther();
    otherWrap.hidden = !other;
    E.opd_other.disabled = !other;
    E.opd_other.required = other;
    if (!other) setErr('opd_other', '');
  }
  function fillOpdList() {
    const dl = $('opd-list');
    dl.textContent = '';
    [...opt.opd_list, opt.opd_other].forEach(x => { const o = document.createElement('option'); o.value = x; dl.appendChild(o); });
  }

  // ---- recording consent: shown and required only when recording is chosen; the rooms and polls likewise ----
  function syncConsent() {
    consentWrap.hidden = !rec.checked;
    consent.disabled = !rec.checked;
    consent.required = rec.checked;
    if (!rec.checked) setErr('recording_consent', '');
    Object.keys(NEED_FIELDS).forEach(n => {
      const on = $(NEED_FIELDS[n]).checked;
      $(n + '-wrap').hidden = !on;
      E[n].disabled = !on;
      if (!on) setErr(n, '');
    });
  }

  // ---- PDF signature check (first 1,024 bytes contain "%PDF-"), cached per file ----
  async function sniff() {
    const f = E.letter.files && E.letter.files[0];
    if (!f || pdf.has(f)) return;
    try {
      const b = new Uint8Array(await f.slice(0, 1024).arrayBuffer());
      pdf.set(f, String.fromCharCode.apply(null, b).includes('%PDF-'));
    } catch (e) { pdf.set(f, true); } // cannot read here: let the server decide
  }

  function countLines() {
    const n = E.participants.value.split('\n').filter(s => s.trim()).length;
    $('participants-lines').textContent = n ? 'Terisi: ' + V.num(n) + ' baris.' : '';
  }

  // ---- live checks: on leaving a field, and while typing once it shows an error ----
  // A message appearing on blur shifts the layout; while a pointer is down that would make the
  // click land elsewhere, so wait until it is released. Moving to the submit button: submit checks all.
  let down = false;
  document.addEventListener('pointerdown', () => { down = true; }, true);
  ['pointerup', 'pointercancel'].forEach(t => document.addEventListener(t, () => { down = false; }, true));
  form.addEventListener('focusout', e => {
    const t = e.target, n = t.name;
    if (!FIELDS.includes(n) || t.type === 'checkbox' || t.type === 'file' || e.relatedTarget === btn) return;
    if (!(t.value || invalid(n) || (t.validity && t.validity.badInput))) return;
    const later = () => setTimeout(() => check(n), 0); // after the click of a tap, too
    if (down) document.addEventListener('pointerup', later, { once: true, capture: true }); else later();
  });
  form.addEventListener('input', e => {
    const n = e.target.name;
    if (n === 'opd') { const o = isOther(); if (o === otherWrap.hidden) syncOpd(); }
    if (n === 'participants') countLines();
    if (invalid(n)) check(n);
  });
  form.addEventListener('change', async e => {
    const n = e.target.name;
    if (n === 'needs') { syncConsent(); return; }
    if (n === 'opd') syncOpd(true);
    if (n === 'letter') { await sniff(); check(n); return; }
    if (n === 'start') { if (DT.test(val('start'))) E.end.min = val('start'); if (val('end')) check('end'); }
    if (FIELDS.includes(n) && (e.target.type === 'checkbox' || e.target.tagName === 'SELECT' || invalid(n))) check(n);
  });

  // ---- options from the server ----
  function applyOptions(o) {
    Object.keys(opt).forEach(k => { if (o[k] != null) opt[k] = o[k]; });
    V.setZone(o.timezone, o.timezone_label);
    if (o.limits) Object.assign(LIM, o.limits);
    if (!Array.isArray(opt.opd_list) || !opt.opd_list.length) opt.opd_list = null;
    if (opt.opd_list) { fillOpdList(); syncOpd(); }
    if (o.timezone_label) form.querySelectorAll('.tz').forEach(s => { s.textContent = o.timezone_label; });
    if (opt.earliest_event_date) {
      const p = $('earliest');
      p.textContent = 'Tanggal kegiatan paling cepat: ';
      V.add(p, 'strong', V.date(opt.earliest_event_date));
      p.append(' (H-' + opt.min_lead_working_days + ' hari kerja)');
      $('start-hint').textContent = 'Paling cepat ' + V.date(opt.earliest_event_date) + '.';
      E.start.min = E.end.min = opt.earliest_event_date + 'T00:00';
    }
    E.participant_count.min = opt.min_participants;
    $('pc-min').textContent = opt.min_participants;
    if (opt.max_participants) { E.participant_count.max = opt.max_participants; $('pc-max').textContent = ', maksimal ' + V.num(opt.max_participants) + ' orang'; }
    E.letter_date.max = opt.today;
    E.letter_date.min = addDays(opt.today, -opt.letter_max_age_days);
    $('letter-age').textContent = opt.letter_max_age_days;
    $('letter-max').textContent = mb(opt.max_letter_bytes);
  }
  E.letter_date.max = opt.today;
  V.options()
    .then(applyOptions)
    .catch(() => { $('options-note').hidden = false; });

  // ---- submit ----
  let busy = false;
  function setBusy(on) {
    busy = on;
    btn.disabled = on;
    btn.textContent = on ? 'Mengirim…' : 'Kirim permohonan';
    $('sending').hidden = !on;
    form.setAttribute('aria-busy', on);
  }

  function showServerErrors(list) {
    FIELDS.forEach(n => setErr(n, ''));
    const byField = {}, items = [];
    list.forEach(x => {
      const msg = String((x && x.message) || 'Isian tidak valid.'), n = x && x.field;
      if (n && $(n + '-error') && !(E[n] && E[n].disabled)) {
        byField[n] = byField[n] ? byField[n] + ' ' + msg : msg;
        items.push({ n, id: ctlId(n), message: msg });
      } else items.push({ message: n && !$(n + '-error') ? label(n) + ': ' + msg : msg });
    });
    Object.keys(byField).forEach(n => setErr(n, byField[n]));
    items.sort((a, b) => (a.n ? FIELDS.indexOf(a.n) : -1) - (b.n ? FIELDS.indexOf(b.n) : -1));
    summary('Permohonan belum diterima. Periksa isian berikut:', items);
  }

  function success(b) {
    $('request-number').textContent = b.id || '—';
    const a = $('status-link');
    if (b.status_url) a.href = b.status_url; else a.parentNode.hidden = true;
    const mail = val('contact_email');
    if (mail) $('success-email').textContent = ' (' + mail + ')';
    const ok = $('success');
    $('intro').hidden = sum.hidden = true;
    form.replaceWith(ok);
    ok.hidden = false;
    ok.focus();
    window.scrollTo(0, 0);
  }

  const RETRY = 'Isian Anda tidak hilang dan masih ada di halaman ini. Periksa koneksi, lalu tekan “Kirim permohonan” lagi.';

  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    if (busy) return;
    await sniff();
    const errs = [];
    FIELDS.forEach(n => { const m = check(n); if (m) errs.push({ id: ctlId(n), message: m }); });
    if (errs.length) return summary('Permohonan belum dapat dikirim. Periksa isian berikut:', errs);
    sum.hidden = true;
    setBusy(true);
    const ac = window.AbortController ? new AbortController() : null;
    const timer = ac && setTimeout(() => ac.abort(), 180000);
    let res, body = null;
    try {
      res = await fetch(form.action, { method: 'POST', body: new FormData(form), headers: { Accept: 'application/json' }, credentials: 'same-origin', signal: ac && ac.signal });
      body = await res.json().catch(() => null);
    } catch (e) {
      res = null;
    } finally {
      clearTimeout(timer);
      setBusy(false);
    }
    if (!res) return notice('Permohonan belum terkirim: koneksi terputus', RETRY);
    if (res.status === 201 || (res.status === 200 && body && body.id)) return success(body || {});
    if (res.status < 500 && body && Array.isArray(body.errors) && body.errors.length) return showServerErrors(body.errors);
    if (res.status === 413) return notice('Permohonan terlalu besar', 'Ukuran kiriman melebihi batas. Pastikan surat PDF maks. ' + mb(opt.max_letter_bytes) + ', lalu kirim lagi. Isian lain tetap tersimpan di halaman ini.');
    if (res.status === 429) return notice('Terlalu banyak permohonan', 'Tunggu beberapa menit, lalu kirim lagi. ' + RETRY);
    notice('Permohonan belum terkirim: gangguan pada server (kode ' + res.status + ')', RETRY + ' Bila masih gagal, hubungi ' + ((V.identity && V.identity.office_short_name) || 'Diskominfo') + (V.identity && V.identity.contact_email ? ' (' + V.identity.contact_email + ')' : '') + '.');
  });

  syncConsent();
  syncOpd();
  countLines();
})();
