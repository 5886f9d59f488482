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
  // ISO instant -> {d: "Senin, 30 November 2026", t: "08.02"} in WIB
  wib: function (iso) {
    var d = new Date(iso);
    if (isNaN(d)) return null;
    try {
      var p = V.parts(d, { timeZone: 'Asia/Jakarta', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      return { d: p.weekday + ', ' + p.day + ' ' + p.month + ' ' + p.year, t: p.hour + '.' + p.minute };
    } catch (e) { return { d: iso, t: '' }; }
  },
  // "Senin, 30 November 2026 08.02 WIB"
  dt: function (iso) {
    var w = V.wib(iso);
    return w ? w.d + ' ' + w.t + ' WIB' : String(iso || '');
  },
  // "Kamis, 3 Desember 2026, 09.00–11.00 WIB" (or two full times on different days)
  range: function (a, b) {
    var x = V.wib(a), y = V.wib(b);
    if (!x) return '';
    if (!y) return V.dt(a);
    return x.d === y.d ? x.d + ', ' + x.t + '–' + y.t + ' WIB' : V.dt(a) + ' – ' + V.dt(b);
  },
  num: function (n) { return Number(n).toLocaleString('id-ID'); },
  // Append an element with text to a parent; returns the element.
  add: function (parent, tag, text) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = text;
    parent.appendChild(e);
    return e;
  },
  // GET JSON; resolves {status, body} (body null if not JSON); rejects on network error.
  getJSON: function (url) {
    return fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { return r.json().catch(function () { return null; }).then(function (b) { return { status: r.status, ok: r.ok, body: b }; }); });
  }
};
