/* Vicon API page: GET /api/openapi.json and show every operation, its fields with their limits, and its answers.
   No third-party viewer (the intranet has no internet, and the page policy allows only our own scripts). */
(function () {
  'use strict';
  const $ = V.$, add = V.add;
  const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
  let doc = null;

  // "#/components/schemas/Errors" -> the schema, with its name.
  function resolve(s) {
    if (!s || !s.$ref) return s || {};
    const name = s.$ref.split('/').pop();
    const found = s.$ref.split('/').slice(1).reduce((o, k) => (o ? o[k] : undefined), doc) || {};
    return Object.assign({ 'x-name': name }, found);
  }

  function code(parent, text) { return add(parent, 'code', text); }

  // The document's prose marks names with `backticks`: those become <code>, the rest stays text.
  function prose(parent, tag, text) {
    const e = tag ? add(parent, tag) : parent;
    String(text || '').split('`').forEach((part, i) => { if (i % 2) code(e, part); else if (part) e.append(part); });
    return e;
  }

  // The kind of a value: "string", "integer", "array of string", "Errors", "string atau null" ...
  function kind(s) {
    if (s && s.$ref) return s.$ref.split('/').pop();
    if (!s) return '';
    if (s.const !== undefined) return 'tetap ' + JSON.stringify(s.const);
    if (s.oneOf || s.anyOf) return (s.oneOf || s.anyOf).map(kind).join(' atau ');
    const t = Array.isArray(s.type) ? s.type.join(' atau ') : s.type || '';
    if (t === 'array') return 'daftar ' + kind(s.items);
    return t + (s.format ? ' (' + s.format + ')' : '');
  }

  // The limits of a field as people read them.
  function limits(s) {
    s = resolve(s);
    const out = [];
    if (s.minLength === 1) out.push('tidak boleh kosong');
    else if (s.minLength) out.push('paling sedikit ' + V.num(s.minLength) + ' karakter');
    if (s.maxLength === 0) out.push('harus kosong');
    else if (s.maxLength !== undefined) out.push('paling banyak ' + V.num(s.maxLength) + ' karakter');
    if (s.minimum !== undefined) out.push('paling kecil ' + V.num(s.minimum));
    if (s.maximum !== undefined) out.push('paling besar ' + V.num(s.maximum));
    if (s.pattern) out.push('pola ' + s.pattern);
    if (s.contentMediaType) out.push('berkas ' + s.contentMediaType);
    const e = s.enum || (s.items && resolve(s.items).enum);
    if (e) out.push('salah satu dari: ' + e.join(', '));
    if (s.uniqueItems) out.push('boleh diulang, tanpa duplikat');
    return out;
  }

  function list(parent, items) {
    if (!items.length) { parent.textContent = '—'; return; }
    const ul = add(parent, 'ul');
    items.forEach(t => add(ul, 'li', t));
  }

  function table(parent, caption, heads) {
    const t = add(parent, 'table');
    t.className = 'api-table';
    add(t, 'caption', caption);
    const tr = add(add(t, 'thead'), 'tr');
    heads.forEach(h => { add(tr, 'th', h).scope = 'col'; });
    const body = add(t, 'tbody');
    return function row(cells) {
      const r = add(body, 'tr');
      return cells.map((c, i) => {
        const td = add(r, 'td');
        td.dataset.label = heads[i];
        if (typeof c === 'function') c(td); else td.textContent = c == null ? '—' : String(c);
        return td;
      });
    };
  }

  function fieldsTable(parent, caption, schema) {
    schema = resolve(schema);
    const required = schema.required || [];
    const row = table(parent, caption, ['Isian', 'Wajib', 'Jenis', 'Batas', 'Keterangan']);
    Object.keys(schema.properties || {}).forEach(name => {
      const f = resolve(schema.properties[name]);
      row([
        td => code(td, name),
        required.includes(name) ? 'ya' : 'tidak',
        kind(schema.properties[name]),
        td => list(td, limits(f)),
        td => prose(td, null, [f.title, f.description].filter(Boolean).join('. '))
      ]);
    });
  }

  function operation(path, method, op) {
    const sec = add($('operations'), 'section');
    sec.className = 'panel api-op';
    sec.id = 'op-' + op.operationId;
    sec.setAttribute('aria-labelledby', sec.id + '-title');
    const h = add(sec, 'h2');
    h.id = sec.id + '-title';
    code(h, method.toUpperCase() + ' ' + path);
    if (op.summary) add(sec, 'p', op.summary).className = 'lead';
    if (op.description) prose(sec, 'p', op.description);

    const params = op.parameters || [];
    if (params.length) {
      const row = table(sec, 'Parameter', ['Nama', 'Letak', 'Wajib', 'Batas', 'Keterangan']);
      params.forEach(p => row([td => code(td, p.name), p.in, p.required ? 'ya' : 'tidak', td => list(td, limits(p.schema)), td => prose(td, null, p.description)]));
    }
    const body = op.requestBody && op.requestBody.content;
    if (body) {
      Object.keys(body).forEach(type => fieldsTable(sec, 'Badan permintaan ' + type, body[type].schema));
    }
    const row = table(sec, 'Jawaban', ['Kode', 'Arti', 'Jenis isi', 'Header']);
    Object.keys(op.responses).forEach(status => {
      const r = op.responses[status], content = r.content || {};
      row([
        td => add(td, 'strong', status),
        td => prose(td, null, r.description),
        td => list(td, Object.keys(content).map(t => t + ': ' + kind(content[t].schema))),
        td => list(td, Object.keys(r.headers || {}))
      ]);
    });
    const li = add($('toc'), 'li');
    const a = add(li, 'a');
    a.href = '#' + sec.id;
    code(a, method.toUpperCase() + ' ' + path);
    if (op.summary) li.append(' — ' + op.summary);
  }

  function render() {
    $('api-info').textContent = '';
    prose($('api-info'), null, doc.info.title + ', versi ' + doc.info.version + '. ' + (doc.info.description || ''));
    $('toc').textContent = '';
    $('operations').textContent = '';
    $('schemas').textContent = '';
    const base = (doc.servers && doc.servers[0] && doc.servers[0].url) || '';
    Object.keys(doc.paths).forEach(path => {
      METHODS.forEach(m => { if (doc.paths[path][m]) operation(base + path, m, doc.paths[path][m]); });
    });
    const schemas = doc.components.schemas;
    Object.keys(schemas).forEach(name => {
      const s = schemas[name];
      if (s.type !== 'object') return;
      const h = add($('schemas'), 'h3');
      h.id = 'schema-' + name;
      code(h, name);
      if (s.description) prose($('schemas'), 'p', s.description);
      fieldsTable($('schemas'), 'Isi ' + name, s);
    });
  }

  function load() {
    $('api-error').hidden = true;
    $('loading').hidden = false;
    V.getJSON('/api/openapi.json').then(r => {
      if (!r.ok || !r.body || !r.body.paths) throw new Error('HTTP ' + r.status);
      doc = r.body;
      render();
      $('loading').hidden = true;
      $('api').hidden = false;
    }).catch(e => {
      $('loading').hidden = true;
      $('api-error-text').textContent = 'Server tidak menjawab dengan dokumen API (' + e.message + '). Coba lagi sebentar lagi.';
      $('api-error').hidden = false;
      $('api-error').focus();
    });
  }

  $('retry').addEventListener('click', load);
  load();
})();
