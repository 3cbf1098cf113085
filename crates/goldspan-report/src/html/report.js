// goldspan's HTML report. Reads the JSON block #report-data and draws the page. Every piece
// of data reaches the page through textContent, properties or CSSOM, never as markup.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('report-data').textContent);
  var head = data.head;
  var results = head.results;
  var manifest = results.manifest;
  // F-beta beside F1 when the results were scored with --beta (manifest.beta, a number or "inf").
  var fBeta = manifest.beta === undefined || manifest.beta === null ? null : 'F' + String(manifest.beta);
  var docs = data.docs;
  var CLASS_COLOURS = {
    'correct': '#2e7d32', 'boundary': '#e08a00', 'label': '#7b3fb0', 'boundary+label': '#c2185b',
    'missed': '#d32f2f', 'spurious': '#1e88e5', 'other': '#6d4c41'
  };
  var BACKGROUND = '#ffffff';
  var PAGE = 100;

  // ---- helpers ------------------------------------------------------------------------------

  // An element with attributes (class, title, href from our own values) and children: strings
  // become text nodes.
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined) { return; }
        if (k === 'class') { node.className = v; }
        else if (k === 'text') { node.textContent = v; }
        else if (k === 'title') { node.title = v; }
        else if (k === 'href') { node.setAttribute('href', safeHref(v)); }
        else if (k.indexOf('data-') === 0) { node.setAttribute(k, String(v)); }
        else { node[k] = v; }
      });
    }
    for (var i = 2; i < arguments.length; i++) { add(node, arguments[i]); }
    return node;
  }
  function add(node, child) {
    if (child === null || child === undefined || child === false) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { add(node, c); }); return; }
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  // Links are only ever to places in this page.
  function safeHref(v) { return String(v).charAt(0) === '#' ? v : '#'; }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function f4(x) { return (typeof x === 'number' ? x : 0).toFixed(4); }
  function signed(x) { return (x >= 0 ? '+' : '\u2212') + Math.abs(x).toFixed(4); }
  function classKey(c) { return c === 'boundary+label' ? 'boundary-label' : c; }
  function keys(o) { return o ? Object.keys(o) : []; }
  var MODE_ORDER = ['strict', 'exact', 'partial', 'type'];
  function modeRank(m) { var i = MODE_ORDER.indexOf(m); return i < 0 ? (m.indexOf('overlap') === 0 ? 4 : 5) : i; }
  function byMode(a, b) { return modeRank(a) - modeRank(b) || (a < b ? -1 : a > b ? 1 : 0); }

  // A bar for a ratio, with its interval when there is one.
  function bar(value, interval, what) {
    var cell = el('td', { 'class': 'barcell ' + what, 'data-value': value });
    var b = el('span', { 'class': 'bar' });
    var fill = el('span', { 'class': 'fill' });
    fill.style.width = (Math.max(0, Math.min(1, value)) * 100) + '%';
    b.appendChild(fill);
    if (interval) {
      var ci = el('span', { 'class': 'ci', title: '95% interval ' + f4(interval[0]) + '\u2013' + f4(interval[1]) });
      ci.style.left = (interval[0] * 100) + '%';
      ci.style.width = Math.max(0.5, (interval[1] - interval[0]) * 100) + '%';
      b.appendChild(ci);
    }
    cell.appendChild(b);
    cell.appendChild(el('span', { 'class': 'value', text: f4(value) }));
    if (interval) {
      cell.appendChild(el('span', { 'class': 'interval', text: f4(interval[0]) + '\u2013' + f4(interval[1]) }));
    }
    return cell;
  }

  // A table whose columns sort on a click. columns: [{title, key(row) -> sortable, cell(row) ->
  // td, num}]; rows: data rows; initial: [column index, direction].
  function sortableTable(columns, rows, initial, rowAttrs) {
    var table = el('table', { 'class': 'sortable-table' });
    var thead = el('thead');
    var tr = el('tr');
    var tbody = el('tbody');
    var state = { col: initial ? initial[0] : -1, dir: initial ? initial[1] : 1 };
    columns.forEach(function (c, i) {
      var th = el('th', { 'class': 'sortable' + (c.num ? ' num' : ''), text: c.title, 'data-column': c.title });
      th.addEventListener('click', function () {
        state.dir = state.col === i ? -state.dir : (c.num ? -1 : 1);
        state.col = i;
        draw();
      });
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    table.appendChild(thead);
    table.appendChild(tbody);
    function draw() {
      var sorted = rows.slice();
      if (state.col >= 0) {
        var key = columns[state.col].key;
        sorted.sort(function (a, b) {
          var x = key(a), y = key(b);
          return (x < y ? -1 : x > y ? 1 : 0) * state.dir;
        });
      }
      Array.prototype.forEach.call(tr.children, function (th, i) {
        th.className = 'sortable' + (columns[i].num ? ' num' : '') +
          (i === state.col ? (state.dir > 0 ? ' sorted-asc' : ' sorted-desc') : '');
      });
      clear(tbody);
      sorted.forEach(function (row) {
        var r = el('tr', rowAttrs ? rowAttrs(row) : null);
        columns.forEach(function (c) { r.appendChild(c.cell(row)); });
        tbody.appendChild(r);
      });
    }
    draw();
    return table;
  }
  function numCell(x, cls) { return el('td', { 'class': 'num' + (cls ? ' ' + cls : ''), text: String(x) }); }
  function textCell(x, cls) { return el('td', { 'class': cls || null, text: x === null || x === undefined ? '' : String(x) }); }

  // ---- documents, decoded on demand ----------------------------------------------------------

  // The spans of a flat (label, start delta, length) list, with the fragments of those made of
  // several.
  function decodeSpans(flat, extra, first) {
    var spans = [];
    var start = 0;
    for (var i = 0; i + 2 < flat.length; i += 3) {
      start += flat[i + 1];
      var lab = head.labels[flat[i]] || ['?', '?'];
      spans.push({ layer: lab[0], label: lab[1], labelCode: flat[i], start: start, end: start + flat[i + 2],
        frags: [[start, start + flat[i + 2]]] });
    }
    (extra || []).forEach(function (x) {
      var s = spans[x[0] - (first || 0)];
      if (!s) { return; }
      s.frags = [];
      for (var j = 1; j + 1 < x.length; j += 2) { s.frags.push([x[j], x[j + 1]]); }
    });
    return spans;
  }
  function sameFragments(a, b) {
    if (a.frags.length !== b.frags.length) { return false; }
    for (var i = 0; i < a.frags.length; i++) {
      if (a.frags[i][0] !== b.frags[i][0] || a.frags[i][1] !== b.frags[i][1]) { return false; }
    }
    return true;
  }
  // The class of a paired gold and predicted span (docs/metrics.md): correct, label, boundary
  // or boundary+label.
  function pairClass(g, p) {
    var sb = sameFragments(g, p), sl = g.labelCode === p.labelCode;
    return sb ? (sl ? 'correct' : 'label') : (sl ? 'boundary' : 'boundary+label');
  }

  var decoded = {};
  // Document i with its gold spans and each system's predictions, classes and pairings.
  function decode(i) {
    if (decoded[i]) { return decoded[i]; }
    var d = docs[i];
    var gold = decodeSpans(d.g, d.gx, 0);
    gold.forEach(function (s, j) { s.index = j; s.side = 'gold'; s.cls = []; s.pair = []; });
    var systems = d.s.map(function (sys, si) {
      var preds = sys.c.map(function (gi) {
        var g = gold[gi];
        return { layer: g.layer, label: g.label, labelCode: g.labelCode, start: g.start, end: g.end, frags: g.frags, pair: gi };
      });
      var rest = decodeSpans(sys.p, sys.px, sys.c.length);
      rest.forEach(function (s, j) { s.pair = sys.k[j]; preds.push(s); });
      gold.forEach(function (g) { g.cls[si] = 'missed'; g.pair[si] = -1; });
      preds.forEach(function (p, j) {
        p.index = j;
        p.side = si === 0 ? 'pred' : 'base';
        if (p.pair < 0) { p.cls = 'spurious'; return; }
        var g = gold[p.pair];
        p.cls = pairClass(g, p);
        g.cls[si] = p.cls;
        g.pair[si] = j;
      });
      return { preds: preds, relations: sys.r || [], attribution: sys.a || [], n: sys.n };
    });
    var doc = { i: i, id: d.id, cps: Array.from(d.t), gold: gold, goldRelations: d.gr || [], systems: systems, other: d.o || [] };
    decoded[i] = doc;
    return doc;
  }

  // Per-document summaries for the list, computed once from the class counts.
  function f1Of(n) {
    var g = n[0] + n[1] + n[2] + n[3] + n[4], p = n[0] + n[1] + n[2] + n[3] + n[5];
    return g + p === 0 ? 1 : 2 * n[0] / (g + p);
  }
  var summaries = docs.map(function (d, i) {
    var n = d.s[0].n;
    var s = { i: i, id: d.id, m: d.m, n: n, f1: f1Of(n), errors: n[1] + n[2] + n[3] + n[4] + n[5],
      gold: d.g.length / 3, pred: n[0] + n[1] + n[2] + n[3] + n[5], attribution: 0 };
    d.s[0].a && d.s[0].a.forEach(function (a) { if (a[2] > 0 || a[3] > 0) { s.attribution++; } });
    if (d.s.length > 1) {
      s.baseF1 = f1Of(d.s[1].n);
      s.delta = s.f1 - s.baseF1;
    }
    return s;
  });
  function worstFirst(a, b) { return a.f1 - b.f1 || b.errors - a.errors || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0); }

  // ---- navigation -------------------------------------------------------------------------

  var views = ['overview', 'documents', 'comparison', 'viewer'];
  var tabs = document.getElementById('tabs');
  var listState = { filters: {}, cls: '', query: '', page: 0, order: null };
  var viewerState = { mode: 'stacked', systems: 'pred', labels: true, item: -1 };
  var currentList = [];

  function route() {
    var h = location.hash.replace(/^#/, '');
    var m = /^doc=(\d+)(?:&sys=(pred|base|both))?$/.exec(h);
    if (m && docs[+m[1]]) {
      if (m[2]) { viewerState.systems = m[2]; }
      show('viewer');
      drawViewer(+m[1]);
      return;
    }
    if (h === 'documents' && docs.length) { show('documents'); return; }
    if (h === 'comparison' && head.comparison) { show('comparison'); return; }
    show('overview');
  }
  function show(name) {
    views.forEach(function (v) { document.getElementById('view-' + v).hidden = v !== name; });
    Array.prototype.forEach.call(tabs.children, function (a) {
      a.className = a.getAttribute('data-view') === name ? 'active' : '';
    });
    document.body.setAttribute('data-view', name);
  }
  function drawTabs() {
    add(tabs, el('a', { href: '#overview', 'data-view': 'overview', text: 'Overview' }));
    if (docs.length) { add(tabs, el('a', { href: '#documents', 'data-view': 'documents', text: 'Documents' })); }
    if (head.comparison) { add(tabs, el('a', { href: '#comparison', 'data-view': 'comparison', text: 'Comparison' })); }
    add(tabs, el('a', { href: '#overview', 'data-view': 'viewer', text: 'Viewer', hidden: true }));
  }

  // ---- overview -----------------------------------------------------------------------------

  function intervalOf(layer, mode, metric) {
    var i = results.intervals && results.intervals.layers[layer] && results.intervals.layers[layer][mode];
    return i ? i[metric] : null;
  }

  function drawOverview() {
    var root = document.getElementById('view-overview');
    var what = manifest.predictions + ' against ' + manifest.gold + (manifest.split ? ' (split ' + manifest.split + ')' : '');
    document.title = 'goldspan report: ' + what;
    document.getElementById('title').textContent = 'goldspan report: ' + manifest.predictions;
    var sub = what + ' \u2014 ' + results.documents.scored + ' document(s) scored, modes ' + manifest.modes.join(', ') +
      (manifest.extractor ? ', extractor ' + manifest.extractor.name + ' ' + manifest.extractor.version : '') +
      (manifest.bootstrap ? ', ' + manifest.bootstrap.samples + ' bootstrap samples' : '') +
      ', goldspan ' + manifest.goldspan_version;
    document.getElementById('subtitle').textContent = sub;
    if (head.documents.limited) { add(root, el('p', { 'class': 'notice', id: 'limit-notice', text: head.documents.limited + '. The overview covers every document.' })); }
    if (!docs.length) {
      add(root, el('p', { 'class': 'notice', id: 'overview-only', text: 'This report holds the overview only: a results JSON has counts, not documents. ' +
        '`goldspan score --report FILE` and `goldspan run --report FILE` add every document with its spans.' }));
    }
    var missing = results.documents.missing_predictions;
    if (missing.length) {
      add(root, el('p', { 'class': 'notice', text: missing.length + ' gold document(s) had no predictions and were scored as empty: ' +
        missing.slice(0, 10).join(', ') + (missing.length > 10 ? ', \u2026' : '') }));
    }
    var failures = results.failures || [];
    if (failures.length) {
      add(root, el('p', { 'class': 'notice', text: 'The extractor failed on ' + failures.length + ' document(s), scored as empty predictions: ' +
        failures.slice(0, 5).map(function (f) { return f.document + ' (' + f.reason + ')'; }).join('; ') + (failures.length > 5 ? '; \u2026' : '') }));
    }

    // Layers and modes.
    add(root, el('h2', { text: 'Layers' }));
    var t = el('table', { id: 'layers-table' });
    var layerHead = ['layer', 'mode', 'precision', 'recall', 'F1', 'macro F1'];
    if (fBeta) { layerHead.push(fBeta, 'macro ' + fBeta); }
    add(t, el('thead', null, el('tr', null, layerHead.concat(['COR', 'INC', 'PAR', 'MIS', 'SPU'])
      .map(function (h) { return el('th', { text: h }); }))));
    var tb = el('tbody');
    keys(results.total.layers).forEach(function (layer) {
      manifest.modes.forEach(function (mode) {
        var s = results.total.layers[layer][mode];
        if (!s) { return; }
        var m = s.micro;
        var row = el('tr', { 'data-layer': layer, 'data-mode': mode });
        add(row, [textCell(layer), textCell(mode), bar(m.precision, intervalOf(layer, mode, 'precision'), 'precision'),
          bar(m.recall, intervalOf(layer, mode, 'recall'), 'recall'), bar(m.f1, intervalOf(layer, mode, 'f1'), 'f1'),
          el('td', { 'class': 'num macro-f1', 'data-value': s.macro.f1, text: s.macro.f1 === null ? 'NaN' : f4(s.macro.f1) })]);
        if (fBeta) {
          add(row, [bar(m.f_beta, intervalOf(layer, mode, 'f_beta'), 'f-beta'),
            el('td', { 'class': 'num macro-f-beta', 'data-value': s.macro.f_beta, text: s.macro.f_beta === null ? 'NaN' : f4(s.macro.f_beta) })]);
        }
        add(row, [numCell(m.cor, 'cor'), numCell(m.inc, 'inc'), numCell(m.par, 'par'), numCell(m.mis, 'mis'), numCell(m.spu, 'spu')]);
        tb.appendChild(row);
      });
    });
    t.appendChild(tb);
    add(root, t);
    if (results.intervals) { add(root, el('p', { 'class': 'muted', text: 'Whiskers: 95% bootstrap intervals over documents.' })); }

    // Labels.
    var layersList = keys(results.total.layers);
    if (layersList.length) {
      add(root, el('h2', { text: 'Labels' }));
      var controls = el('div', { 'class': 'controls' });
      var layerSel = el('select', { id: 'label-layer' }, layersList.map(function (l) { return el('option', { value: l, text: l }); }));
      var modeSel = el('select', { id: 'label-mode' }, manifest.modes.map(function (m) { return el('option', { value: m, text: m }); }));
      add(controls, [el('label', { text: 'layer ' }, layerSel), el('label', { text: 'mode ' }, modeSel),
        el('span', { 'class': 'muted', text: 'support: gold spans of the label; click a column to sort' })]);
      add(root, controls);
      var holder = el('div', { id: 'labels-holder' });
      add(root, holder);
      var drawLabels = function () {
        clear(holder);
        var s = results.total.layers[layerSel.value] && results.total.layers[layerSel.value][modeSel.value];
        var rows = s ? keys(s.labels).map(function (l) { var m = s.labels[l]; m = Object.assign({ label: l }, m); return m; }) : [];
        holder.appendChild(sortableTable([
          { title: 'label', key: function (r) { return r.label; }, cell: function (r) { return textCell(r.label, 'label'); } },
          { title: 'support', num: true, key: function (r) { return r.possible; }, cell: function (r) { return numCell(r.possible, 'support'); } },
          { title: 'predicted', num: true, key: function (r) { return r.actual; }, cell: function (r) { return numCell(r.actual, 'predicted'); } },
          { title: 'precision', num: true, key: function (r) { return r.precision; }, cell: function (r) { return bar(r.precision, null, 'precision'); } },
          { title: 'recall', num: true, key: function (r) { return r.recall; }, cell: function (r) { return bar(r.recall, null, 'recall'); } },
          { title: 'F1', num: true, key: function (r) { return r.f1; }, cell: function (r) { return bar(r.f1, null, 'f1'); } }
        ].concat(fBeta ? [
          { title: fBeta, num: true, key: function (r) { return r.f_beta; }, cell: function (r) { return bar(r.f_beta, null, 'f-beta'); } }
        ] : []).concat([
          { title: 'COR', num: true, key: function (r) { return r.cor; }, cell: function (r) { return numCell(r.cor, 'cor'); } },
          { title: 'INC', num: true, key: function (r) { return r.inc; }, cell: function (r) { return numCell(r.inc, 'inc'); } },
          { title: 'PAR', num: true, key: function (r) { return r.par; }, cell: function (r) { return numCell(r.par, 'par'); } },
          { title: 'MIS', num: true, key: function (r) { return r.mis; }, cell: function (r) { return numCell(r.mis, 'mis'); } },
          { title: 'SPU', num: true, key: function (r) { return r.spu; }, cell: function (r) { return numCell(r.spu, 'spu'); } }
        ]), rows, [1, -1], function (r) { return { 'data-label': r.label }; }));
        holder.firstChild.id = 'labels-table';
      };
      layerSel.addEventListener('change', drawLabels);
      modeSel.addEventListener('change', drawLabels);
      drawLabels();
    }

    // Quotations.
    var quoteModes = keys(results.total.quotes).sort(byMode);
    if (quoteModes.length) {
      add(root, el('h2', { text: 'Quotations and speakers' }));
      var qt = el('table', { id: 'quotes-table' });
      add(qt, el('thead', null, el('tr', null, ['mode', 'gold', 'predicted', 'matched', 'speaker right', 'attribution accuracy',
        'end-to-end precision', 'recall', 'F1'].map(function (h) { return el('th', { text: h }); }))));
      var qb = el('tbody');
      quoteModes.forEach(function (mode) {
        var q = results.total.quotes[mode];
        var ci = results.intervals && results.intervals.quotes[mode] ? results.intervals.quotes[mode].end_to_end_f1 : null;
        add(qb, el('tr', { 'data-mode': mode }, textCell(mode), numCell(q.gold), numCell(q.predicted), numCell(q.matched),
          numCell(q.speaker_right), bar(q.attribution_accuracy, null, 'attribution'), bar(q.end_to_end.precision, null, 'precision'),
          bar(q.end_to_end.recall, null, 'recall'), bar(q.end_to_end.f1, ci, 'f1')));
      });
      qt.appendChild(qb);
      add(root, qt);
    }

    // Relations.
    var relTypes = keys(results.total.relations);
    if (relTypes.length) {
      add(root, el('h2', { text: 'Relations' }));
      var rt = el('table', { id: 'relations-table' });
      add(rt, el('thead', null, el('tr', null, ['relation', 'mode', 'precision', 'recall', 'F1', 'COR', 'MIS', 'SPU']
        .map(function (h) { return el('th', { text: h }); }))));
      var rb = el('tbody');
      relTypes.forEach(function (kind) {
        keys(results.total.relations[kind]).sort(byMode).forEach(function (mode) {
          var m = results.total.relations[kind][mode];
          add(rb, el('tr', { 'data-relation': kind, 'data-mode': mode }, textCell(kind), textCell(mode), bar(m.precision, null, 'precision'),
            bar(m.recall, null, 'recall'), bar(m.f1, null, 'f1'), numCell(m.cor), numCell(m.mis), numCell(m.spu)));
        });
      });
      rt.appendChild(rb);
      add(root, rt);
    }

    drawConfusions(root);

    // Slices.
    var fields = keys(results.slices);
    if (fields.length) {
      var mode = manifest.modes[0];
      add(root, el('h2', { text: 'Slices (' + mode + ')' }));
      var st = el('table', { id: 'slices-table' });
      add(st, el('thead', null, el('tr', null, ['field', 'value', 'documents', 'layer', 'precision', 'recall', 'F1']
        .map(function (h) { return el('th', { text: h }); }))));
      var sb = el('tbody');
      fields.forEach(function (field) {
        keys(results.slices[field]).forEach(function (value) {
          var sc = results.slices[field][value];
          keys(sc.layers).forEach(function (layer) {
            var m = sc.layers[layer][mode] && sc.layers[layer][mode].micro;
            if (!m) { return; }
            add(sb, el('tr', null, textCell(field), textCell(value), numCell(sc.documents), textCell(layer),
              bar(m.precision, null, 'precision'), bar(m.recall, null, 'recall'), bar(m.f1, null, 'f1')));
          });
        });
      });
      st.appendChild(sb);
      add(root, st);
    }
  }

  // The label confusion matrix of each layer as a heat map: gold labels down, predicted across,
  // ∅ for missed (predicted side) and spurious (gold side).
  function drawConfusions(root) {
    add(root, el('h2', { text: 'Label confusions (strict alignment)' }));
    if (!results.confusions) {
      add(root, el('p', { 'class': 'muted', id: 'no-confusions', text: 'The results hold no confusion table: score with --errors, or make the report with --report.' }));
      return;
    }
    var byLayer = {};
    results.confusions.forEach(function (c) { (byLayer[c.layer] = byLayer[c.layer] || []).push(c); });
    keys(byLayer).sort().forEach(function (layer) {
      var cells = byLayer[layer];
      var golds = {}, preds = {}, count = {}, max = 0, maxDiag = 0;
      cells.forEach(function (c) {
        golds[c.gold] = 1; preds[c.predicted] = 1; count[c.gold + '\u0000' + c.predicted] = c.count;
        if (c.gold === c.predicted) { maxDiag = Math.max(maxDiag, c.count); } else { max = Math.max(max, c.count); }
      });
      var order = function (o) { return keys(o).sort(function (a, b) { return (a === '\u2205') - (b === '\u2205') || (a < b ? -1 : a > b ? 1 : 0); }); };
      var rows = order(golds), cols = order(preds);
      add(root, el('h3', { text: layer }));
      var t = el('table', { 'class': 'heat', 'data-layer': layer });
      add(t, el('thead', null, el('tr', null, el('th', { text: 'gold \u2193 predicted \u2192' }),
        cols.map(function (c) { return el('th', { 'class': 'colhead', text: c }); }))));
      var tb = el('tbody');
      rows.forEach(function (g) {
        var tr = el('tr', null, el('th', { 'class': 'rowhead', text: g }));
        cols.forEach(function (p) {
          var n = count[g + '\u0000' + p] || 0;
          var td = el('td', { 'class': 'cell', 'data-gold': g, 'data-predicted': p, text: n ? String(n) : '' });
          if (n) {
            var diag = g === p;
            var a = diag ? n / (maxDiag || 1) : n / (max || 1);
            td.style.background = diag ? 'rgba(46,125,50,' + (0.12 + 0.6 * a) + ')' : 'rgba(211,47,47,' + (0.12 + 0.7 * a) + ')';
            td.title = 'gold ' + g + ', predicted ' + p + ': ' + n;
          }
          tr.appendChild(td);
        });
        tb.appendChild(tr);
      });
      t.appendChild(tb);
      add(root, t);
    });
  }

  // ---- documents list -----------------------------------------------------------------------

  function matches(s) {
    var f = listState.filters;
    for (var k in f) {
      if (f[k] !== '' && String(s.m[+k]) !== f[k]) { return false; }
    }
    if (listState.cls) {
      if (listState.cls === 'attribution') { if (!s.attribution) { return false; } }
      else if (!s.n[head.classes.indexOf(listState.cls)]) { return false; }
    }
    if (listState.query && s.id.toLowerCase().indexOf(listState.query.toLowerCase()) < 0) { return false; }
    return true;
  }

  function drawDocuments() {
    var root = document.getElementById('view-documents');
    clear(root);
    add(root, el('h2', { text: 'Documents, worst first' }));
    if (head.documents.limited) { add(root, el('p', { 'class': 'notice', text: head.documents.limited + '.' })); }
    var controls = el('div', { 'class': 'controls', id: 'filters' });
    head.meta.forEach(function (field, k) {
      var values = {};
      summaries.forEach(function (s) { if (s.m[k] !== null) { values[s.m[k]] = 1; } });
      var sel = el('select', { 'data-field': field }, el('option', { value: '', text: 'all' }),
        keys(values).sort().map(function (v) { return el('option', { value: v, text: v }); }));
      sel.value = listState.filters[k] || '';
      sel.addEventListener('change', function () { listState.filters[k] = sel.value; listState.page = 0; drawDocuments(); });
      add(controls, el('label', { text: field + ' ' }, sel));
    });
    var cls = el('select', { id: 'class-filter' }, el('option', { value: '', text: 'any' }),
      head.classes.slice(1).map(function (c) { return el('option', { value: c, text: c }); }),
      head.attribution ? el('option', { value: 'attribution', text: 'attribution' }) : null);
    cls.value = listState.cls;
    cls.addEventListener('change', function () { listState.cls = cls.value; listState.page = 0; drawDocuments(); });
    add(controls, el('label', { text: 'with errors ' }, cls));
    var q = el('input', { type: 'search', id: 'id-filter', placeholder: 'id contains', value: listState.query });
    q.addEventListener('change', function () { listState.query = q.value; listState.page = 0; drawDocuments(); });
    add(controls, q);
    add(root, controls);

    currentList = summaries.filter(matches).sort(listState.order || worstFirst);
    var pages = Math.max(1, Math.ceil(currentList.length / PAGE));
    listState.page = Math.min(listState.page, pages - 1);
    var pager = el('div', { 'class': 'pager' });
    var prev = el('button', { text: '\u2190 previous', disabled: listState.page === 0 });
    var next = el('button', { text: 'next \u2192', disabled: listState.page >= pages - 1 });
    prev.addEventListener('click', function () { listState.page--; drawDocuments(); });
    next.addEventListener('click', function () { listState.page++; drawDocuments(); });
    add(pager, [prev, el('span', { id: 'list-count', text: currentList.length + ' of ' + summaries.length + ' document(s); page ' + (listState.page + 1) + ' of ' + pages }), next]);
    add(root, pager);
    var shown = currentList.slice(listState.page * PAGE, (listState.page + 1) * PAGE);
    var t = el('table', { id: 'documents-table' });
    var cols = ['document', 'F1 (strict)', 'gold', 'predicted'].concat(head.classes.slice(1)).concat(head.attribution ? ['attribution'] : []).concat(head.meta);
    add(t, el('thead', null, el('tr', null, cols.map(function (h) { return el('th', { text: h }); }))));
    var tb = el('tbody');
    shown.forEach(function (s) {
      var tr = el('tr', { 'class': 'clickable', 'data-doc': s.id });
      add(tr, [el('td', null, el('a', { href: '#doc=' + s.i, text: s.id })), bar(s.f1, null, 'f1'), numCell(s.gold), numCell(s.pred)]);
      for (var c = 1; c < 6; c++) { add(tr, numCell(s.n[c] || '', 'n-' + classKey(head.classes[c]))); }
      if (head.attribution) { add(tr, numCell(s.attribution || '')); }
      head.meta.forEach(function (_, k) { add(tr, textCell(s.m[k])); });
      tr.addEventListener('click', function (e) { if (e.target.tagName !== 'A') { location.hash = '#doc=' + s.i; } });
      tb.appendChild(tr);
    });
    t.appendChild(tb);
    add(root, t);
  }

  // ---- comparison ---------------------------------------------------------------------------

  function deltaBar(d) {
    var b = el('span', { 'class': 'delta' }, el('span', { 'class': 'mid' }));
    var w = Math.min(50, Math.abs(d) * 100);
    var fill = el('span', { 'class': 'fill ' + (d >= 0 ? 'up' : 'down') });
    fill.style.left = (d >= 0 ? 50 : 50 - w) + '%';
    fill.style.width = w + '%';
    b.appendChild(fill);
    return b;
  }

  function drawComparison() {
    var root = document.getElementById('view-comparison');
    if (!head.comparison) { return; }
    var a = head.systems[1], b = head.systems[0];
    add(root, el('h2', { text: 'Paired comparison: B = ' + b + ' against A = ' + a }));
    add(root, el('p', { 'class': 'muted', text: 'Micro precision, recall and F1 per layer and mode on the same documents; the delta is B \u2212 A with its paired bootstrap 95% interval, and the p-value comes from approximate randomisation.' }));
    var metricName = { micro_precision: 'precision', micro_recall: 'recall', micro_f1: 'F1' };
    var t = el('table', { id: 'comparison-table' });
    add(t, el('thead', null, el('tr', null, ['layer', 'mode', 'metric', 'A', 'B', 'delta', '', '95% interval', 'p-value']
      .map(function (h) { return el('th', { text: h }); }))));
    var tb = el('tbody');
    head.comparison.slice().sort(function (x, y) {
      return (x.layer < y.layer ? -1 : x.layer > y.layer ? 1 : 0) || byMode(x.mode, y.mode);
    }).forEach(function (r) {
      add(tb, el('tr', { 'data-layer': r.layer, 'data-mode': r.mode, 'data-metric': r.metric },
        textCell(r.layer), textCell(r.mode), textCell(metricName[r.metric] || r.metric),
        el('td', { 'class': 'num a', 'data-value': r.a, text: f4(r.a) }), el('td', { 'class': 'num b', 'data-value': r.b, text: f4(r.b) }),
        el('td', { 'class': 'num delta-value ' + (r.delta > 0 ? 'up-text' : r.delta < 0 ? 'down-text' : ''), 'data-value': r.delta, text: signed(r.delta) }),
        el('td', null, deltaBar(r.delta)),
        el('td', { 'class': 'num', text: signed(r.delta_interval[0]) + ' \u2026 ' + signed(r.delta_interval[1]) }),
        el('td', { 'class': 'num p-value', 'data-value': r.p_value, text: f4(r.p_value) })));
    });
    t.appendChild(tb);
    add(root, t);
    if (head.documents.limited) { add(root, el('p', { 'class': 'notice', text: head.documents.limited + '.' })); }
    var changed = summaries.filter(function (s) { return Math.abs(s.delta) > 1e-12; });
    [['worse', 'Documents that got worse (strict F1, B \u2212 A)', function (s) { return s.delta < 0; }, function (x, y) { return x.delta - y.delta; }],
     ['better', 'Documents that got better', function (s) { return s.delta > 0; }, function (x, y) { return y.delta - x.delta; }]].forEach(function (part) {
      var list = changed.filter(part[2]).sort(function (x, y) { return part[3](x, y) || (x.id < y.id ? -1 : 1); });
      add(root, el('h2', { text: part[1] + ': ' + list.length }));
      var ct = el('table', { id: 'changed-' + part[0] });
      add(ct, el('thead', null, el('tr', null, ['document', 'F1 A', 'F1 B', 'delta', 'errors A', 'errors B'].map(function (h) { return el('th', { text: h }); }))));
      var cb = el('tbody');
      list.forEach(function (s) {
        var base = docs[s.i].s[1].n;
        var errorsA = base[1] + base[2] + base[3] + base[4] + base[5];
        var tr = el('tr', { 'class': 'clickable', 'data-doc': s.id },
          el('td', null, el('a', { href: '#doc=' + s.i + '&sys=both', text: s.id })),
          numCell(f4(s.baseF1)), numCell(f4(s.f1)), el('td', { 'class': 'num ' + (s.delta > 0 ? 'up-text' : 'down-text'), text: signed(s.delta) }),
          numCell(errorsA), numCell(s.errors));
        tr.addEventListener('click', function (e) { if (e.target.tagName !== 'A') { location.hash = '#doc=' + s.i + '&sys=both'; } });
        cb.appendChild(tr);
      });
      ct.appendChild(cb);
      add(root, ct);
    });
  }

  // ---- the document viewer ------------------------------------------------------------------

  // Lanes for spans (by their whole range) so that overlapping ones never share a lane.
  function assignLanes(spans) {
    var ends = [];
    spans.slice().sort(function (a, b) { return a.start - b.start || b.end - a.end; }).forEach(function (s) {
      var lane = 0;
      while (lane < ends.length && ends[lane] > s.start) { lane++; }
      ends[lane] = s.end;
      s.lane = lane;
    });
    return ends.length;
  }

  // The error items of one system in a document: each pairing, missed and spurious span, and
  // attribution outcomes, in text order.
  function itemsOf(doc, si) {
    var sys = doc.systems[si];
    var items = [];
    doc.gold.forEach(function (g) {
      if (g.pair[si] < 0) { items.push({ cls: 'missed', gold: g, pred: null }); }
      else {
        var p = sys.preds[g.pair[si]];
        items.push({ cls: p.cls, gold: g, pred: p });
      }
    });
    sys.preds.forEach(function (p) { if (p.cls === 'spurious') { items.push({ cls: 'spurious', gold: null, pred: p }); } });
    sys.attribution.forEach(function (a) {
      var codes = head.attribution_codes;
      [['speaker', a[2]], ['cue', a[3]]].forEach(function (x) {
        if (x[1] > 0) {
          items.push({ cls: 'other', kind: x[0] + ' ' + codes[x[1]], gold: doc.gold[a[0]], pred: sys.preds[a[1]], attribution: true });
        }
      });
    });
    if (si === 0) {
      doc.other.forEach(function (o) {
        var g = o[1] >= 0 ? { start: o[1], end: o[2], frags: [[o[1], o[2]]], label: '', layer: '' } : null;
        var p = o[3] >= 0 ? { start: o[3], end: o[4], frags: [[o[3], o[4]]], label: '', layer: '' } : null;
        items.push({ cls: 'other', kind: head.other_kinds[o[0]], gold: g, pred: p });
      });
    }
    items.forEach(function (it) {
      it.start = Math.min(it.gold ? it.gold.start : Infinity, it.pred ? it.pred.start : Infinity);
      it.end = Math.max(it.gold ? it.gold.end : -1, it.pred ? it.pred.end : -1);
      it.frags = [[it.start, it.end]];
      it.system = si;
    });
    items.sort(function (a, b) { return a.start - b.start || a.end - b.end; });
    return items;
  }

  function spanText(doc, s) {
    return s.frags.map(function (f) { return doc.cps.slice(f[0], f[1]).join(''); }).join(' \u2026 ');
  }

  // Quotations with their speakers and cues, per side, numbered in text order.
  function quotationsOf(doc, systems) {
    if (!head.attribution) { return []; }
    var names = head.attribution;
    var relCode = function (name) { return head.relations.indexOf(name); };
    var speaker = relCode(names.speaker), cue = names.cue ? relCode(names.cue) : -1;
    var link = function (rels, spans, quote, code) {
      var found = null;
      for (var i = 0; i + 2 < rels.length; i += 3) {
        if (rels[i] === code && rels[i + 1] === quote.index) {
          var t = spans[rels[i + 2]];
          if (t && (!found || t.start < found.start)) { found = t; }
        }
      }
      return found;
    };
    var out = [];
    var sides = [{ side: 'gold', spans: doc.gold, rels: doc.goldRelations }];
    systems.forEach(function (si) { sides.push({ side: si === 0 ? 'pred' : 'base', spans: doc.systems[si].preds, rels: doc.systems[si].relations, si: si }); });
    sides.forEach(function (sd) {
      sd.spans.forEach(function (s) {
        if (s.label !== names.quotation) { return; }
        out.push({ side: sd.side, si: sd.si, quote: s, speaker: link(sd.rels, sd.spans, s, speaker), cue: cue >= 0 ? link(sd.rels, sd.spans, s, cue) : null });
      });
    });
    out.sort(function (a, b) { return a.quote.start - b.quote.start || (a.side === 'gold' ? -1 : b.side === 'gold' ? 1 : a.side < b.side ? -1 : 1); });
    // A predicted quotation paired with a gold one shares its number.
    var number = 0, ofGold = new Map();
    out.forEach(function (q) { if (q.side === 'gold') { q.n = ++number; ofGold.set(q.quote, q.n); } });
    out.forEach(function (q) {
      if (q.side !== 'gold') { q.n = q.quote.pair >= 0 && ofGold.has(doc.gold[q.quote.pair]) ? ofGold.get(doc.gold[q.quote.pair]) : ++number; }
    });
    return out;
  }

  var viewerDoc = null, viewerItems = [], segIndex = [];

  function drawViewer(i) {
    var root = document.getElementById('view-viewer');
    clear(root);
    var doc = decode(i);
    viewerDoc = doc;
    var two = doc.systems.length > 1;
    if (!two) { viewerState.systems = 'pred'; }
    var systems = viewerState.systems === 'both' ? [0, 1] : viewerState.systems === 'base' ? [1] : [0];
    var pos = currentList.findIndex(function (s) { return s.i === i; });
    var nav = el('div', { 'class': 'controls' });
    var back = el('a', { href: docs.length ? '#documents' : '#overview', text: '\u2190 documents' });
    var prev = el('button', { id: 'prev-doc', text: '\u2190 previous document', disabled: pos <= 0 });
    var next = el('button', { id: 'next-doc', text: 'next document \u2192', disabled: pos < 0 || pos >= currentList.length - 1 });
    prev.addEventListener('click', function () { stepDocument(-1); });
    next.addEventListener('click', function () { stepDocument(1); });
    var modeSel = el('select', { id: 'view-mode' }, el('option', { value: 'stacked', text: 'gold above, predictions below' }),
      el('option', { value: 'merged', text: 'merged: errors by class' }));
    modeSel.value = viewerState.mode;
    modeSel.addEventListener('change', function () { viewerState.mode = modeSel.value; drawViewer(i); });
    var labels = el('input', { type: 'checkbox', id: 'show-labels', checked: viewerState.labels });
    labels.addEventListener('change', function () { viewerState.labels = labels.checked; drawViewer(i); });
    add(nav, [back, prev, next, el('label', { text: 'view ' }, modeSel), el('label', null, labels, ' labels')]);
    if (two) {
      var sysSel = el('select', { id: 'view-systems' }, el('option', { value: 'pred', text: 'B: ' + head.systems[0] }),
        el('option', { value: 'base', text: 'A: ' + head.systems[1] }), el('option', { value: 'both', text: 'both (B, then A below)' }));
      sysSel.value = viewerState.systems;
      sysSel.addEventListener('change', function () { viewerState.systems = sysSel.value; location.hash = '#doc=' + i + '&sys=' + sysSel.value; });
      add(nav, el('label', { text: 'system ' }, sysSel));
    }
    add(root, el('h2', { id: 'viewer-title', text: doc.id }));
    var meta = head.meta.map(function (f, k) { return docs[i].m[k] === null ? null : f + ': ' + docs[i].m[k]; }).filter(Boolean);
    var n = doc.systems[0].n;
    add(root, el('p', { 'class': 'meta', text: (meta.length ? meta.join(' \u00b7 ') + ' \u00b7 ' : '') + 'strict F1 ' + f4(f1Of(n)) +
      (two ? ' (A: ' + f4(f1Of(doc.systems[1].n)) + ')' : '') + ' \u00b7 ' + doc.gold.length + ' gold span(s), ' + doc.systems[0].preds.length + ' predicted' }));
    add(root, nav);
    var legend = el('div', { 'class': 'legend' }, head.classes.map(function (c) {
      return el('span', { 'class': 'c-' + classKey(c) }, el('span', { 'class': 'swatch' }), c);
    }), el('span', { 'class': 'c-other' }, el('span', { 'class': 'swatch' }), 'attribution and other errors'),
    el('span', { 'class': 'muted', text: 'keys: j/n next error, k/p previous, ]/[ next/previous document, Esc back' }));
    add(root, legend);
    add(root, el('p', { 'class': 'muted', text: viewerState.mode === 'stacked'
      ? 'Gold spans are drawn above the text, predictions below (' + (systems.length > 1 ? 'B first, then A' : systems[0] === 0 ? 'B: ' + head.systems[0] : 'A: ' + head.systems[1]) + '), each coloured by its class; overlapping spans take separate lanes.'
      : 'Each gold span with the prediction paired with it, and each spurious prediction, is drawn below the text in the colour of its class.' }));

    var layout = el('div', { 'class': 'viewer-layout' });
    var textBox = el('div', { 'class': 'text', id: 'doc-text', tabIndex: 0 });
    var side = el('div', { 'class': 'side' });
    add(layout, [textBox, side]);
    add(root, layout);

    // Tracks: what is drawn above and below the text.
    viewerItems = [];
    systems.forEach(function (si) { viewerItems = viewerItems.concat(itemsOf(doc, si)); });
    viewerItems.sort(function (a, b) { return a.start - b.start || a.system - b.system || a.end - b.end; });
    var quotes = quotationsOf(doc, systems);
    var above = [], below = [];
    if (viewerState.mode === 'stacked') {
      above.push({ spans: doc.gold.map(function (g) { return { s: g, cls: systems.length === 1 ? g.cls[systems[0]] : g.cls[0] }; }) });
      systems.forEach(function (si) { below.push({ spans: doc.systems[si].preds.map(function (p) { return { s: p, cls: p.cls }; }) }); });
    } else {
      systems.forEach(function (si) {
        below.push({ spans: viewerItems.filter(function (it) { return it.system === si && !it.attribution && it.kind === undefined; })
          .map(function (it) { return { s: it, cls: it.cls }; }) });
      });
    }
    drawText(doc, textBox, above, below, systems, quotes);
    drawSide(doc, side, systems, quotes);
    viewerState.item = -1;
  }

  // The text in segments cut at every span boundary; each segment carries coloured bands for
  // the spans over it (box shadows, one lane each), and tags mark where spans start.
  function drawText(doc, box, above, below, systems, quotes) {
    var STEP = 4;
    var cuts = {};
    cuts[0] = 1; cuts[doc.cps.length] = 1;
    var layout = function (tracks) {
      var total = 0;
      tracks.forEach(function (t) {
        var copies = t.spans.map(function (x) { return { start: x.s.start, end: x.s.end, x: x }; });
        var lanes = assignLanes(copies);
        copies.forEach(function (c) { c.x.lane = total + c.lane; });
        // A free lane between two systems' tracks.
        total += lanes + (lanes && tracks.length > 1 ? 1 : 0);
        t.spans.forEach(function (x) { x.s.frags.forEach(function (f) { cuts[f[0]] = 1; cuts[f[1]] = 1; }); });
      });
      return total;
    };
    var lanesAbove = layout(above), lanesBelow = layout(below);
    var points = keys(cuts).map(Number).sort(function (a, b) { return a - b; });
    var flat = function (tracks) { var out = []; tracks.forEach(function (t) { out = out.concat(t.spans); }); return out; };
    var up = flat(above), down = flat(below);
    var startsAt = {};
    var tagOf = function (x, where) {
      var s = x.s;
      (startsAt[s.start] = startsAt[s.start] || []).push({ x: x, where: where });
    };
    if (viewerState.labels) {
      up.forEach(function (x) { tagOf(x, 'gold'); });
      down.forEach(function (x) { tagOf(x, x.s.side || 'item'); });
    }
    var quoteNumber = new Map();
    quotes.forEach(function (q) {
      [q.quote, q.speaker, q.cue].forEach(function (s, role) {
        if (s) { var list = quoteNumber.get(s) || []; list.push({ n: q.n, role: ['quote', 'speaker', 'cue'][role], q: q }); quoteNumber.set(s, list); }
      });
    });
    box.style.lineHeight = (1.45 * 15 + 2 * STEP * Math.max(lanesAbove, lanesBelow) + 8) + 'px';
    segIndex = [];
    var covering = function (list, a, b) {
      return list.filter(function (x) { return x.s.frags.some(function (f) { return f[0] <= a && b <= f[1]; }); });
    };
    var shadow = function (list, total, sign) {
      if (!total) { return []; }
      var colour = [];
      list.forEach(function (x) { colour[x.lane] = CLASS_COLOURS[x.cls] || CLASS_COLOURS.other; });
      var out = [];
      for (var l = 0; l < total; l++) {
        out.push('0 ' + sign * (l * STEP + 1) + 'px 0 0 ' + BACKGROUND);
        out.push('0 ' + sign * ((l + 1) * STEP) + 'px 0 0 ' + (colour[l] || BACKGROUND));
      }
      return out;
    };
    var frag = document.createDocumentFragment();
    for (var k = 0; k + 1 < points.length; k++) {
      var a = points[k], b = points[k + 1];
      (startsAt[a] || []).sort(function (x, y) { return (x.where === 'gold' ? 0 : 1) - (y.where === 'gold' ? 0 : 1) || y.x.s.end - x.x.s.end; }).forEach(function (t) {
        frag.appendChild(makeTag(doc, t.x, t.where, quoteNumber));
      });
      var seg = el('span', { 'class': 'seg', 'data-start': a, 'data-end': b, text: doc.cps.slice(a, b).join('') });
      var ups = covering(up, a, b), downs = covering(down, a, b);
      var shadows = shadow(ups, lanesAbove, -1).concat(shadow(downs, lanesBelow, 1));
      if (ups.length || downs.length) { seg.style.boxShadow = shadows.join(', '); }
      var lines = ups.concat(downs).map(function (x) { return describe(doc, x.s, x.cls); });
      if (lines.length) { seg.title = lines.join('\n'); }
      segIndex.push({ el: seg, a: a, b: b, spans: ups.concat(downs).map(function (x) { return x.s; }) });
      seg.addEventListener('mouseenter', hoverLinks);
      seg.addEventListener('mouseleave', clearLinks);
      frag.appendChild(seg);
    }
    box.appendChild(frag);
  }

  function sideName(side) { return side === 'gold' ? 'gold' : side === 'base' ? 'A' : side === 'pred' ? (head.comparison ? 'B' : 'predicted') : 'error'; }

  function describe(doc, s, cls) {
    if (s.gold !== undefined && s.pred !== undefined && s.cls !== undefined && s.side === undefined) {
      return cls + ': ' + (s.gold ? 'gold ' + s.gold.label + ' \u201c' + spanText(doc, s.gold) + '\u201d' : '') +
        (s.gold && s.pred ? ' / ' : '') + (s.pred ? 'predicted ' + s.pred.label + ' \u201c' + spanText(doc, s.pred) + '\u201d' : '');
    }
    return sideName(s.side) + ' ' + s.layer + '/' + s.label + ' [' + s.start + '\u2013' + s.end + '] ' + cls + ': \u201c' + spanText(doc, s) + '\u201d';
  }

  // The tag at a span's start: its label (and its quotation number and role), coloured by class.
  function makeTag(doc, x, where, quoteNumber) {
    var s = x.s;
    var isItem = where === 'item';
    var label = isItem ? (s.gold ? s.gold.label : '') + (s.gold && s.pred && s.pred.label !== s.gold.label ? '\u2192' + s.pred.label : '') + (!s.gold && s.pred ? s.pred.label : '') : s.label;
    var roles = isItem ? [] : (quoteNumber.get(s) || []);
    var text = label + roles.map(function (r) { return r.role === 'quote' ? ' q' + r.n : ' \u2190q' + r.n + ' ' + r.role; }).join('');
    var wrong = !isItem && s.label === (head.attribution && head.attribution.quotation) && s.side !== 'gold' && attributionWrong(doc, s);
    var tag = el('span', {
      'class': 'tag ' + (isItem ? 'pred' : where) + ' c-' + classKey(x.cls) + (wrong ? ' attr-wrong' : ''),
      'data-side': isItem ? 'item' : where, 'data-layer': isItem ? '' : s.layer, 'data-label': label,
      'data-start': s.start, 'data-end': s.end, 'data-class': x.cls, text: text, title: describe(doc, s, x.cls)
    });
    tag.setAttribute('aria-hidden', 'true');
    return tag;
  }

  function attributionWrong(doc, p) {
    var si = p.side === 'base' ? 1 : 0;
    return doc.systems[si].attribution.some(function (a) { return a[1] === p.index && (a[2] > 0 || a[3] > 0); });
  }

  // Hovering a segment outlines the quotations, speakers and cues linked to the spans over it.
  function hoverLinks(e) {
    var entry = segIndex.find(function (x) { return x.el === e.currentTarget; });
    if (!entry || !viewerQuotes.length) { return; }
    var linked = [];
    viewerQuotes.forEach(function (q) {
      if (entry.spans.some(function (s) { return s === q.quote || s === q.speaker || s === q.cue; })) {
        linked.push(q.quote, q.speaker, q.cue);
      }
    });
    outline(linked.filter(Boolean));
  }
  function outline(spans) {
    segIndex.forEach(function (x) {
      var on = spans.some(function (s) { return s.frags.some(function (f) { return f[0] <= x.a && x.b <= f[1]; }); });
      x.el.classList.toggle('link', on);
    });
  }
  function clearLinks() { segIndex.forEach(function (x) { x.el.classList.remove('link'); }); }

  var viewerQuotes = [];

  function drawSide(doc, side, systems, quotes) {
    viewerQuotes = quotes;
    var errors = viewerItems.filter(function (it) { return it.cls !== 'correct'; });
    add(side, el('h3', { text: 'Errors: ' + errors.length }));
    var list = el('ol', { 'class': 'items', id: 'error-list' });
    errors.forEach(function (it, k) {
      var kind = it.kind || it.cls;
      var li = el('li', { 'class': 'c-' + classKey(it.cls), 'data-class': kind, 'data-start': it.start, 'data-end': it.end, 'data-system': it.system },
        el('span', { 'class': 'what', text: kind }), systems.length > 1 ? ' (' + (it.system === 0 ? 'B' : 'A') + ')' : '',
        it.gold && it.gold.label !== undefined ? el('div', { text: 'gold ' + it.gold.label + ': \u201c' + spanText(doc, it.gold) + '\u201d' }) : null,
        it.pred ? el('div', { text: 'predicted ' + it.pred.label + ': \u201c' + spanText(doc, it.pred) + '\u201d' }) : null);
      li.addEventListener('click', function () { focusItem(k); });
      list.appendChild(li);
    });
    add(side, list);
    if (quotes.length) {
      add(side, el('h3', { text: 'Quotations' }));
      var ql = el('ul', { 'class': 'quotes', id: 'quote-list' });
      quotes.forEach(function (q) {
        var outcome = null;
        if (q.side !== 'gold') {
          var a = doc.systems[q.si].attribution.find(function (x) { return x[1] === q.quote.index; });
          if (a) { outcome = a; }
        }
        var codes = head.attribution_codes;
        var mark = function (code) {
          if (code === undefined || code < 0) { return null; }
          return el('span', { 'class': code === 0 ? 'right' : 'wrong', text: ' (' + codes[code] + ')' });
        };
        var li = el('li', { 'data-side': q.side },
          el('div', null, el('strong', { text: 'q' + q.n + ' ' + sideName(q.side) + ': ' }), '\u201c' + truncate(spanText(doc, q.quote), 80) + '\u201d'),
          el('div', null, 'speaker: ', q.speaker ? '\u201c' + spanText(doc, q.speaker) + '\u201d' : 'none', outcome ? mark(outcome[2]) : null),
          head.attribution.cue ? el('div', null, 'cue: ', q.cue ? '\u201c' + spanText(doc, q.cue) + '\u201d' : 'none', outcome ? mark(outcome[3]) : null) : null);
        li.addEventListener('mouseenter', function () { outline([q.quote, q.speaker, q.cue].filter(Boolean)); });
        li.addEventListener('mouseleave', clearLinks);
        ql.appendChild(li);
      });
      add(side, ql);
    }
  }
  function truncate(s, n) { return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }

  function focusItem(k) {
    var list = document.getElementById('error-list');
    if (!list || !list.children.length) { return; }
    k = (k + list.children.length) % list.children.length;
    viewerState.item = k;
    Array.prototype.forEach.call(list.children, function (li, j) { li.classList.toggle('current', j === k); });
    var li = list.children[k];
    var a = +li.getAttribute('data-start'), b = +li.getAttribute('data-end');
    var first = null;
    segIndex.forEach(function (x) {
      var on = x.a >= a && x.b <= b;
      x.el.classList.toggle('focus', on);
      if (on && !first) { first = x.el; }
    });
    if (first && first.scrollIntoView) { first.scrollIntoView({ block: 'center' }); }
    if (li.scrollIntoView) { li.scrollIntoView({ block: 'nearest' }); }
  }

  function stepDocument(d) {
    if (!viewerDoc) { return; }
    var pos = currentList.findIndex(function (s) { return s.i === viewerDoc.i; });
    var next = currentList[pos + d];
    if (pos >= 0 && next) { location.hash = '#doc=' + next.i + (viewerState.systems !== 'pred' ? '&sys=' + viewerState.systems : ''); }
  }

  document.addEventListener('keydown', function (e) {
    if (document.getElementById('view-viewer').hidden || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var tag = e.target && e.target.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') { return; }
    if (e.key === 'j' || e.key === 'n') { focusItem(viewerState.item + 1); e.preventDefault(); }
    else if (e.key === 'k' || e.key === 'p') { focusItem(viewerState.item < 0 ? -1 : viewerState.item - 1); e.preventDefault(); }
    else if (e.key === ']') { stepDocument(1); e.preventDefault(); }
    else if (e.key === '[') { stepDocument(-1); e.preventDefault(); }
    else if (e.key === 'Escape') { location.hash = docs.length ? '#documents' : '#overview'; }
  });

  // ---- start --------------------------------------------------------------------------------

  drawTabs();
  drawOverview();
  if (docs.length) { drawDocuments(); }
  drawComparison();
  window.addEventListener('hashchange', route);
  route();
  document.body.setAttribute('data-ready', 'true');
})();
