/* Vicon complaint form (pengaduan.html): checks that mirror the server, the error summary, submit with fetch.
   Without this script the form still posts natively and the server answers with a page. */
(function () {
  'use strict';
  const $ = V.$, form = $('complaint-form');
  if (!form || !window.fetch || !window.FormData || !window.URLSearchParams) return; // native POST still works
  const E = form.elements, sum = $('error-summary'), btn = $('submit-button');
  const LIM = { message: 5000, name: 120, email: 254, phone: 30, opd: 200, request_id: 20 };
  const LABELS = { pengaduan: 'Pengaduan', saran: 'Saran', masukan: 'Masukan' };
  const EMPTY = {
    category: 'Pilih jenis: pengaduan, saran, atau masukan.',
    message: 'Tulis isi pengaduan, saran atau masukan Anda.',
    name: 'Isi nama Anda.',
    email: 'Isi email Anda; tanda terima dan jawaban dikirim ke alamat ini.'
  };
  const FIELDS = [...form.querySelectorAll('.field-error')].map(e => e.id.slice(0, -6)); // DOM order
  const radios = [...form.querySelectorAll('[name=category]')];
  const ctlId = n => n === 'category' ? radios[0].id : n;
  const val = n => n === 'category' ? ((radios.find(r => r.checked) || {}).value || '') : (E[n].value || '').trim();
  const len = s => [...s].length;
  const label = n => {
    if (n === 'category') return 'Jenis';
    const l = form.querySelector('label[for="' + n + '"]');
    return l ? l.textContent.replace(/\s*\(opsional\)/, '').trim() : n;
  };

  // ---- rules (a message, or '' when fine) ----
  function rule(n) {
    const v = val(n);
    if (!v) return EMPTY[n] || '';
    const L = LIM[n];
    if (L && len(v) > L) return label(n) + ' terlalu panjang: maks. ' + V.num(L) + ' karakter (sekarang ' + V.num(len(v)) + ').';
    switch (n) {
      case 'category': return LABELS[v] ? '' : EMPTY[n];
      case 'email': return /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(v) ? '' : 'Format email tidak valid. Contoh: nama@instansi.go.id.';
      case 'phone':
        return /^(?:0|\+?62)[1-9]\d{7,11}$/.test(v.replace(/[\s().\/-]/g, '')) ? '' : 'Nomor telepon harus nomor Indonesia yang diawali 08, +62, atau 62, atau kosongkan.';
      case 'request_id': return /^VC-\d{4}-\d{6}$/i.test(v) ? '' : 'Nomor permohonan berbentuk VC-TTTT-NNNNNN (lihat email tanda terima); atau kosongkan.';
    }
    return '';
  }

  // ---- showing errors ----
  function setErr(n, msg) {
    const e = $(n + '-error');
    if (!e) return false;
    e.textContent = msg || '';
    (n === 'category' ? radios : [E[n]]).forEach(c => msg ? c.setAttribute('aria-invalid', 'true') : c.removeAttribute('aria-invalid'));
    e.parentNode.classList.toggle('err', !!msg);
    return true;
  }
  const check = n => { const m = rule(n); setErr(n, m); return m; };
  const invalid = n => { const e = $(n + '-error'); return e && e.textContent !== ''; };

  const { show: summary, notice } = V.errorSummary(sum);

  function count() {
    const n = len(E.message.value);
    $('message-count').textContent = n ? 'Terisi: ' + V.num(n) + ' karakter.' : '';
  }

  // ---- live checks: on leaving a field, and while typing once it shows an error ----
  form.addEventListener('focusout', e => {
    const n = e.target.name;
    if (!FIELDS.includes(n) || n === 'category' || e.relatedTarget === btn) return;
    if (e.target.value || invalid(n)) setTimeout(() => check(n), 0);
  });
  form.addEventListener('input', e => {
    const n = e.target.name;
    if (n === 'message') count();
    if (invalid(n)) check(n);
  });
  form.addEventListener('change', e => {
    const n = e.target.name;
    if (n === 'request_id' && /^vc-/i.test(E.request_id.value.trim())) E.request_id.value = E.request_id.value.trim().toUpperCase();
    if (n === 'category' || invalid(n)) check(n);
  });

  // ---- the office list from the server, offered as suggestions ----
  V.options().then(o => {
    const dl = $('opd-list');
    (Array.isArray(o.opd_list) ? o.opd_list : []).forEach(x => { const op = document.createElement('option'); op.value = x; dl.appendChild(op); });
  }).catch(() => { /* a free-text field without suggestions */ });

  // ---- submit ----
  let busy = false;
  function setBusy(on) {
    busy = on;
    btn.disabled = on;
    btn.textContent = on ? 'Mengirim…' : 'Kirim';
    $('sending').hidden = !on;
    form.setAttribute('aria-busy', on);
  }

  function showServerErrors(list) {
    FIELDS.forEach(n => setErr(n, ''));
    const byField = {}, items = [];
    list.forEach(x => {
      const msg = String((x && x.message) || 'Isian tidak valid.'), n = x && x.field;
      if (n && $(n + '-error')) {
        byField[n] = byField[n] ? byField[n] + ' ' + msg : msg;
        items.push({ n, id: ctlId(n), message: msg });
      } else items.push({ message: msg });
    });
    Object.keys(byField).forEach(n => setErr(n, byField[n]));
    items.sort((a, b) => (a.n ? FIELDS.indexOf(a.n) : -1) - (b.n ? FIELDS.indexOf(b.n) : -1));
    summary('Belum terkirim. Periksa isian berikut:', items);
  }

  function success(b) {
    const kind = LABELS[val('category')] || 'Pengaduan';
    $('success-title').textContent = kind + ' terkirim';
    $('complaint-number').textContent = b.id || '—';
    const mail = val('email');
    if (mail) $('success-email').textContent = ' (' + mail + ')';
    const ok = $('success');
    $('intro').hidden = sum.hidden = true;
    form.replaceWith(ok);
    ok.hidden = false;
    ok.focus();
    window.scrollTo(0, 0);
  }

  const RETRY = 'Isian Anda tidak hilang dan masih ada di halaman ini. Periksa koneksi, lalu tekan “Kirim” lagi.';

  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    if (busy) return;
    const errs = [];
    FIELDS.forEach(n => { const m = check(n); if (m) errs.push({ id: ctlId(n), message: m }); });
    if (errs.length) return summary('Belum dapat dikirim. Periksa isian berikut:', errs);
    sum.hidden = true;
    setBusy(true);
    let res = null, body = null;
    try {
      res = await fetch(form.action, {
        method: 'POST', body: new URLSearchParams(new FormData(form)),
        headers: { Accept: 'application/json' }, credentials: 'same-origin'
      });
      body = await res.json().catch(() => null);
    } catch (e) {
      res = null;
    } finally {
      setBusy(false);
    }
    if (!res) return notice('Belum terkirim: koneksi terputus', RETRY);
    if (res.status === 201 && body && body.id) return success(body);
    if (res.status < 500 && body && Array.isArray(body.errors) && body.errors.length) return showServerErrors(body.errors);
    if (res.status === 429) return notice('Terlalu banyak kiriman', 'Tunggu beberapa menit, lalu kirim lagi. ' + RETRY);
    notice('Belum terkirim: gangguan pada server (kode ' + res.status + ')', RETRY);
  });

  count();
})();
