/* Vicon: helpers shared by the intake and status pages. */
'use strict';
var V = {
  $: function (id) { return document.getElementById(id); },
  // Intl parts as an object {weekday, day, month, year, hour, minute}.
  parts: function (d, o) {
    var p = {};
    new Intl.DateTimeFormat('id-ID', o).formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
    return p;
  },
  // "2026-12-02" -> "Rabu, 2 Desember 2026"
  date: function (s) {
    try {
      var p = V.parts(new Date(s + 'T00:00:00Z'), { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
      return p.weekday + ', ' + p.day + ' ' + p.month + ' ' + p.year;
    } catch (e) { return s; }
  },
  // The service's zone and its label (WIB, WITA, WIT) come from the server's answers (intake_options,
  // request_status): one site serves whichever region TIMEZONE names. Until one arrives: the browser's own zone,
  // labelled as Intl names it, so a time is never shown without its zone.
  zone: { tz: undefined, label: '' },
  setZone: function (tz, label) {
    if (!tz) return;
    try { new Intl.DateTimeFormat('id-ID', { timeZone: tz }); } catch (e) { return; } // unknown to this browser
    V.zone = { tz: tz, label: label || tz };
  },
  // ISO instant -> {d: "Senin, 30 November 2026", t: "08.02", z: "WIB"} in the service's zone
  local: function (iso) {
    var d = new Date(iso);
    if (isNaN(d)) return null;
    try {
      var p = V.parts(d, { timeZone: V.zone.tz, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
      return { d: p.weekday + ', ' + p.day + ' ' + p.month + ' ' + p.year, t: p.hour + '.' + p.minute, z: V.zone.label || p.timeZoneName || '' };
    } catch (e) { return { d: iso, t: '', z: '' }; }
  },
  // Today's date "2026-11-30" in the service's zone.
  today: function () {
    var p = V.parts(new Date(), { timeZone: V.zone.tz, year: 'numeric', month: '2-digit', day: '2-digit' });
    return p.year + '-' + p.month + '-' + p.day;
  },
  // "Senin, 30 November 2026 08.02 WIB"
  dt: function (iso) {
    var w = V.local(iso);
    return w ? (w.d + ' ' + w.t + ' ' + w.z).trim() : String(iso || '');
  },
  // "Kamis, 3 Desember 2026, 09.00–11.00 WITA" (or two full times on different days)
  range: function (a, b) {
    var x = V.local(a), y = V.local(b);
    if (!x) return '';
    if (!y) return V.dt(a);
    return x.d === y.d ? (x.d + ', ' + x.t + '–' + y.t + ' ' + x.z).trim() : V.dt(a) + ' – ' + V.dt(b);
  },
  num: function (n) { return Number(n).toLocaleString('id-ID'); },
  // Append an element with text to a parent; returns the element.
  add: function (parent, tag, text) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = text;
    parent.appendChild(e);
    return e;
  },
  // A form page's error summary `sum` (focusable, hidden until needed): show(title, items) lists the problems,
  // each {message, id} linking to its field; notice(title, text) says one thing. A link moves the focus to its
  // field and scrolls its whole block into view. One behaviour for every form (intake, complaints).
  errorSummary: function (sum) {
    function show(title, items) {
      sum.textContent = '';
      V.add(sum, 'h2', title);
      if (items.length) {
        var ul = V.add(sum, 'ul');
        items.forEach(function (i) {
          var li = V.add(ul, 'li');
          if (i.id) { var a = V.add(li, 'a', i.message); a.href = '#' + i.id; } else li.textContent = i.message;
        });
      }
      sum.hidden = false;
      sum.focus();
      sum.scrollIntoView({ block: 'start' });
    }
    sum.addEventListener('click', function (e) {
      var a = e.target.closest('a[href^="#"]');
      var c = a && V.$(a.getAttribute('href').slice(1));
      if (!c) return;
      e.preventDefault();
      (c.closest('.f') || c).scrollIntoView({ block: 'start' });
      c.focus({ preventScroll: true });
    });
    return { show: show, notice: function (title, text) { show(title, []); V.add(sum, 'p', text); } };
  },
  // GET JSON; resolves {status, body} (body null if not JSON); rejects on network error.
  getJSON: function (url) {
    return fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { return r.json().catch(function () { return null; }).then(function (b) { return { status: r.status, ok: r.ok, body: b }; }); });
  },
  // intake_options, fetched once per page: the form's rules and the office's identity. Rejects when unavailable.
  options: function () {
    if (!V._options) {
      V._options = V.getJSON('/api/intake_options').then(function (r) {
        if (!r.ok || !r.body) throw new Error('intake_options ' + r.status);
        return r.body;
      });
    }
    return V._options;
  },
  // The office that runs the service (REGENCY_NAME, OFFICE_NAME, CONTACT_EMAIL, PIC_PHONE, …) from the settings:
  // the HTML names no regency, so one site serves whichever regency deploys it.
  identity: null,
  applyIdentity: function (id) {
    if (!id || typeof id !== 'object') return;
    V.identity = id;
    document.querySelectorAll('[data-identity]').forEach(function (e) {
      var v = id[e.getAttribute('data-identity')];
      if (v) e.textContent = v;
    });
    ['identity-regency', 'identity-office'].forEach(function (x) { var e = V.$(x); if (e) e.hidden = !e.textContent.trim(); });
    var logo = V.$('identity-logo');
    if (logo && id.logo_url && /^(https:\/\/|[A-Za-z0-9_-])/.test(id.logo_url)) logo.src = id.logo_url;
    if (id.office_short_name) document.title = document.title.replace(/Diskominfo$/, id.office_short_name);
    document.querySelectorAll('[data-identity-contact]').forEach(function (e) {
      if (!id.contact_email) return;
      e.textContent = '';
      var a = V.add(e, 'a', id.contact_email);
      a.href = 'mailto:' + id.contact_email;
      if (id.pic_phone) {
        e.append(', telepon PIC ');
        V.add(e, 'a', id.pic_phone).href = 'tel:' + id.pic_phone;
      }
      if (id.pic_whatsapp && id.pic_whatsapp_url) {
        e.append(', WhatsApp PIC ');
        V.add(e, 'a', id.pic_whatsapp).href = id.pic_whatsapp_url;
      }
    });
  }
};
if (window.fetch) {
  document.addEventListener('DOMContentLoaded', function () {
    V.options().then(function (o) { V.applyIdentity(o.identity); }).catch(function () { /* the static text stays */ });
  });
}
