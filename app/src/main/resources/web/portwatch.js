/*
 * portwatch's web view (live, served by `portwatch live --http-port`) and report (`portwatch read --report`).
 * Plain JavaScript, no build step. The data are portwatch's own JSON records (the --format json encoder
 * wrote them): a snapshot from /api/state, or embedded in the report, then, live, one Server-Sent Event per
 * closed window, alert, service and summary from /api/events. Everything the traffic names (addresses,
 * services) is put in the page as text, never as HTML. The fleet's view (`portwatch fleet --http-port`,
 * mode 'fleet') is the same page over the fleet's records; what only they have is drawn by fleet.js (F).
 */
(function () {
  'use strict';

  const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d',
    '#ea580c', '#4f46e5'];
  const TOP_SERIES = 10;
  const SEVERITY_RANK = {low: 0, medium: 1, high: 2, critical: 3};
  const F = window.portwatchFleet;
  const ALERT_BASE = new Set(['type', 'sensor', 'input', 'kind', 'time', 'source', 'target', 'transport', 'port',
    'severity']);

  const S = {
    mode: 'live', sensor: '', intervalNs: 0, seq: 0, limits: {}, windows: [], alerts: [], services: [],
    summaries: [], report: null, windowsDropped: 0, alertsDropped: 0,
    metric: 'packets', portMetric: 'packets', sort: {key: 'packets', dir: -1}, filter: '',
    window: 'latest', portWindow: 'latest', selectedAlert: null, route: {page: 'overview'},
    charts: {}, connection: 'loading'
  };

  // ---------------------------------------------------------------- helpers

  function $(id) { return document.getElementById(id); }

  /** An element with attributes and children (strings become text nodes: never HTML). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  /** Seconds since the epoch of an ISO instant with up to nanosecond digits (Date keeps only ms). */
  function isoSeconds(s) {
    if (!s) return NaN;
    const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(s);
    if (!m) return Date.parse(s) / 1000;
    return Date.parse(m[1] + 'Z') / 1000 + (m[2] ? parseFloat('0.' + m[2]) : 0);
  }

  function shortTime(iso) {
    if (!iso) return '';
    const m = /T(\d\d:\d\d:\d\d(?:\.\d{1,6})?)/.exec(iso);
    return m ? m[1] : iso;
  }

  function bytes(n) {
    if (n === null || n === undefined) return '';
    const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
    let v = n, i = 0;
    while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
    return i === 0 ? v + ' B' : v.toFixed(1) + ' ' + units[i];
  }

  function num(v) { return v === null || v === undefined ? '' : String(v); }

  function portKey(p) { return p.transport + '/' + p.port; }

  function tcp(p, field) { return p.tcp ? p.tcp[field] : null; }

  function sortValue(p, key) {
    switch (key) {
      case 'port': return p.transport === 'tcp' ? p.port : 100000 + p.port;
      case 'service': return p.service || '';
      case 'established': case 'rejected': case 'unanswered': case 'rst': case 'syn':
        return tcp(p, key) === null ? -1 : tcp(p, key);
      default: return p[key] === undefined || p[key] === null ? -1 : p[key];
    }
  }

  // ---------------------------------------------------------------- the data

  function windowStart(w) { return isoSeconds(w.window.window_start); }

  /** Applies a snapshot (from /api/state or the report's embedded JSON). */
  function load(state) {
    S.mode = state.mode; S.sensor = state.sensor; S.intervalNs = state.interval_ns; S.seq = state.seq;
    S.limits = state.limits || {}; S.windows = state.windows || []; S.alerts = (state.alerts || []).map(F.alert);
    S.services = state.services || []; S.summaries = state.summaries || []; S.report = state.report || null;
    S.windowsDropped = state.windows_dropped || 0; S.alertsDropped = state.alerts_dropped || 0;
    if (S.mode === 'report' && S.window === 'latest') { S.window = 'all'; S.portWindow = 'all'; }
  }

  /** Live: one event. Returns whether it was new. */
  function apply(name, data) {
    if (data.seq <= S.seq) return false;
    S.seq = data.seq;
    if (name === 'window') {
      const input = data.window.input;
      const end = isoSeconds(data.window.window_end);
      // its place in time (an append, but for the fleet's windows that come late), in place of an earlier
      // record of the same window (the fleet's, when more of its ports came)
      S.windows = S.windows.filter(w => !(w.window.input === input && w.window.window_start === data.window.window_start));
      let at = S.windows.length;
      while (at > 0 && isoSeconds(S.windows[at - 1].window.window_end) > end) at--;
      const later = S.windows.slice(at).some(w => w.window.input === input);
      for (let i = at - 1; i >= 0 && !later; i--) {
        const w = S.windows[i];
        if (w.window.input === input) {
          if (w.ports.length > (S.limits.ports_kept || 30)) w.ports = w.ports.slice(0, S.limits.ports_kept || 30);
          break;
        }
      }
      for (const svc of (data.services || [])) {
        const k = serviceKey(svc);
        S.services = S.services.filter(x => serviceKey(x) !== k);
        S.services.push(svc);
      }
      delete data.services;
      S.windows.splice(at, 0, data);
      const newest = isoSeconds(S.windows[S.windows.length - 1].window.window_end);
      const age = S.limits.age_seconds || 0;
      while (S.windows.length > (S.limits.windows || 720)
             || (age > 0 && isoSeconds(S.windows[0].window.window_end) < newest - age)) {
        S.windows.shift();
        S.windowsDropped++;
      }
    } else if (name === 'alert') {
      S.alerts.push(F.alert(data.alert));
      if (S.alerts.length > (S.limits.alerts || 1000)) { S.alerts.shift(); S.alertsDropped++; }
    } else if (name === 'service') {
      const k = serviceKey(data.service);
      S.services = S.services.filter(s => serviceKey(s) !== k);
      S.services.push(data.service);
    } else if (name === 'summary') {
      S.summaries.push(data.summary);
    }
    return true;
  }

  /** Window starts (seconds), oldest first, over every input; gaps filled on the interval's grid. */
  function timeGrid() {
    const starts = [...new Set(S.windows.map(windowStart))].sort((a, b) => a - b);
    const step = S.intervalNs / 1e9;
    if (starts.length < 2 || !(step > 0)) return starts;
    const n = Math.round((starts[starts.length - 1] - starts[0]) / step) + 1;
    if (n > 20000 || n <= starts.length) return starts;
    const grid = [];
    for (let i = 0; i < n; i++) grid.push(starts[0] + i * step);
    return grid;
  }

  function gridIndex(grid) {
    const step = S.intervalNs / 1e9;
    const byStart = new Map(grid.map((t, i) => [t.toFixed(9), i]));
    return function (t) {
      let i = byStart.get(t.toFixed(9));
      if (i === undefined && step > 0) i = Math.round((t - grid[0]) / step);
      return i;
    };
  }

  /** The ports of the window chosen ('latest': each input's last window; 'all': summed), as port_stats. */
  function portsOf(choice) {
    if (S.windows.length === 0) return [];
    if (choice === 'all') return sumPorts(S.windows);
    if (choice === 'latest') {
      const last = new Map();
      for (const w of S.windows) last.set(w.window.input, w);
      return sumPorts([...last.values()]);
    }
    const w = S.windows.find(x => String(x.seq) === String(choice));
    return w ? sumPorts([w]) : [];
  }

  /** Adds up the port_stats of several windows (one window: its records as they are). */
  function sumPorts(windows) {
    if (windows.length === 1) return windows[0].ports.slice();
    const byPort = new Map();
    const additive = ['flows', 'active_flows', 'packets', 'bytes', 'packets_to_server', 'packets_to_client',
      'bytes_to_server', 'bytes_to_client'];
    for (const w of windows) {
      for (const p of w.ports) {
        const k = portKey(p);
        let s = byPort.get(k);
        if (!s) {
          s = Object.assign({}, p, {tcp: p.tcp ? Object.assign({}, p.tcp) : null, windows: 0});
          for (const f of additive) s[f] = 0;
          if (s.tcp) for (const f of Object.keys(s.tcp)) s.tcp[f] = 0;
          s.unique_clients = 0; s.unique_servers = 0;
          byPort.set(k, s);
        }
        for (const f of additive) s[f] += p[f] || 0;
        if (p.tcp && s.tcp) for (const f of Object.keys(p.tcp)) s.tcp[f] = (s.tcp[f] || 0) + p.tcp[f];
        // distinct hosts do not add up over windows: the most in one window, a lower bound
        s.unique_clients = Math.max(s.unique_clients, p.unique_clients);
        s.unique_servers = Math.max(s.unique_servers, p.unique_servers);
        if (p.sensors !== undefined) {  // the fleet's: sensors too the most in one window, the busiest summed
          s.sensors = s.windows ? Math.max(s.sensors, p.sensors) : p.sensors;
          s.busiest_sensors = F.mergeBusiest(s.windows ? s.busiest_sensors : [], p.busiest_sensors);
        }
        s.windows++;
      }
    }
    return [...byPort.values()];
  }

  /** Series of one port: per grid point, its record in the window there (summed over inputs), or null. */
  function portSeries(key, grid) {
    const index = gridIndex(grid);
    const out = new Array(grid.length).fill(null);
    for (const w of S.windows) {
      const p = w.ports.find(x => portKey(x) === key);
      if (!p) continue;
      const i = index(windowStart(w));
      if (i === undefined || i < 0 || i >= grid.length) continue;
      out[i] = out[i] ? sumPorts([{ports: [out[i]]}, {ports: [p]}])[0] : p;
    }
    return out;
  }

  function serviceKey(s) {
    return s.type === 'alert' ? s.transport + '/' + s.target + '/' + s.port : s.transport + '/' + s.address + '/' + s.port;
  }

  /**
   * Exposed services: `service` records and `new_service` alerts (new ones), and the servers the windows'
   * top_servers name (first seen: the first window kept that names them).
   */
  function exposedServices() {
    const out = new Map();
    for (const s of S.services) {
      if (s.type === 'alert') {
        out.set(serviceKey(s), {transport: s.transport, port: s.port, address: s.target, service: s.service || null,
          first_seen: s.first_seen || s.time, last_seen: null, flows: null, clients: null, isNew: true,
          reason: s.reason || ''});
      } else {
        out.set(serviceKey(s), {transport: s.transport, port: s.port, address: s.address, service: s.service || null,
          first_seen: s.first_seen, last_seen: s.last_seen, flows: s.flows, clients: s.clients, isNew: !!s.new,
          sensors: s.sensors || null});
      }
    }
    for (const w of S.windows) {
      for (const p of w.ports) {
        const servers = p.top_servers && p.top_servers.by_packets;
        if (!servers) continue;
        for (const t of servers) {
          const k = p.transport + '/' + t.address + '/' + p.port;
          const known = out.get(k);
          if (!known) {
            out.set(k, {transport: p.transport, port: p.port, address: t.address, service: p.service,
              first_seen: w.window.window_start, last_seen: w.window.window_end, flows: t.flows, clients: null,
              isNew: false, fromTalkers: true});
          } else if (known.fromTalkers) {
            known.last_seen = w.window.window_end;
            known.flows += t.flows;
          } else if (!known.last_seen || known.last_seen < w.window.window_end) {
            known.last_seen = w.window.window_end;
          }
        }
      }
    }
    return [...out.values()].sort((a, b) => (b.isNew - a.isNew) || String(a.first_seen).localeCompare(String(b.first_seen)));
  }

  // ---------------------------------------------------------------- charts

  function chartWidth(node) { return Math.max(320, node.clientWidth || node.parentNode.clientWidth || 800); }

  function relativeAxis(grid) {
    return S.mode === 'report' && grid.length > 1 && grid[grid.length - 1] - grid[0] < 120;
  }

  /** A stacked area chart: series painted top layer first, each filled down to zero. */
  function stackedChart(node, name, grid, layers, unit) {
    if (S.charts[name]) { S.charts[name].destroy(); delete S.charts[name]; }
    clear(node);
    if (grid.length === 0 || layers.length === 0) {
      node.appendChild(el('p', {class: 'empty', text: S.windows.length ? 'no traffic in the windows kept' : 'no window yet'}));
      return;
    }
    const relative = relativeAxis(grid);
    const t0 = grid[0];
    const unitMs = grid[grid.length - 1] - t0 < 2;
    const xs = relative ? grid.map(t => (t - t0) * (unitMs ? 1000 : 1)) : grid;
    const cumulative = [];
    let running = new Array(grid.length).fill(0);
    for (const l of layers) {
      running = running.map((v, i) => v + (l.values[i] || 0));
      cumulative.push(running);
    }
    const order = layers.map((l, i) => i).reverse();
    const series = [{label: relative ? (unitMs ? 'ms' : 's') : 'time'}];
    const data = [xs];
    for (const i of order) {
      const color = layers[i].color;
      const raw = layers[i].values;
      series.push({label: layers[i].label, stroke: color, fill: color + 'cc', width: 1, points: {show: false},
        value: (u, v, si, idx) => idx === null || idx === undefined ? '' : (unit === 'bytes' ? bytes(raw[idx] || 0) : num(raw[idx] || 0))});
      data.push(cumulative[i]);
    }
    const opts = {
      width: chartWidth(node), height: 260, series: series,
      scales: {x: {time: !relative}},
      axes: [{label: relative ? (unitMs ? 'ms' : 's') + ' after ' + new Date(t0 * 1000).toISOString() : undefined},
        {size: 70, values: (u, vals) => vals.map(v => unit === 'bytes' ? bytes(v) : num(v))}],
      cursor: {drag: {x: true, y: false}},
      legend: {live: true}
    };
    S.charts[name] = new uPlot(opts, data, node);
  }

  function renderTopChart() {
    const grid = timeGrid();
    const index = gridIndex(grid);
    const metric = S.metric;
    const totals = new Map();
    for (const w of S.windows) for (const p of w.ports) totals.set(portKey(p), (totals.get(portKey(p)) || 0) + (p[metric] || 0));
    const top = [...totals.entries()].filter(e => e[1] > 0).sort((a, b) => b[1] - a[1]).slice(0, TOP_SERIES);
    const layers = top.map(([key], n) => ({label: key, color: COLORS[n % COLORS.length], values: new Array(grid.length).fill(0)}));
    const layerOf = new Map(top.map(([key], n) => [key, layers[n]]));
    for (const w of S.windows) {
      const i = index(windowStart(w));
      if (i === undefined || i < 0 || i >= grid.length) continue;
      for (const p of w.ports) {
        const l = layerOf.get(portKey(p));
        if (l) l.values[i] += p[metric] || 0;
      }
    }
    stackedChart($('chart-top'), 'top', grid, layers, metric);
    $('chart-top').dataset.series = layers.map(l => l.label).join(' ');
    $('chart-top').dataset.points = String(grid.length);
    $('chart-note').textContent = grid.length + ' windows of ' + intervalText()
      + (S.windowsDropped ? ' (older windows dropped: the history keeps ' + (S.limits.windows || '') + ')' : '');
  }

  function intervalText() {
    if (S.report && S.report.interval) return S.report.interval;
    const ns = S.intervalNs;
    if (!ns) return 'the whole capture';
    if (ns % 3600e9 === 0) return ns / 3600e9 + 'h';
    if (ns % 60e9 === 0) return ns / 60e9 + 'm';
    if (ns % 1e9 === 0) return ns / 1e9 + 's';
    if (ns % 1e6 === 0) return ns / 1e6 + 'ms';
    if (ns % 1e3 === 0) return ns / 1e3 + 'us';
    return ns + 'ns';
  }

  // ---------------------------------------------------------------- overview

  function windowOptions(select, current) {
    if (document.activeElement === select) return; // a person is choosing: rebuilding would close the list
    clear(select);
    select.appendChild(el('option', {value: 'latest', text: 'latest window', selected: current === 'latest'}));
    select.appendChild(el('option', {value: 'all', text: 'all windows (sum)', selected: current === 'all'}));
    for (let i = S.windows.length - 1; i >= 0; i--) {
      const w = S.windows[i];
      select.appendChild(el('option', {value: String(w.seq), selected: String(w.seq) === String(current),
        text: shortTime(w.window.window_start) + ' \u2013 ' + shortTime(w.window.window_end)
          + (new Set(S.windows.map(x => x.window.input)).size > 1 ? ' ' + w.window.input : '')}));
    }
  }

  function renderPortsTable() {
    windowOptions($('window-select'), S.window);
    const all = portsOf(S.window);
    const f = S.filter.trim().toLowerCase();
    const shown = all.filter(p => !f || (portKey(p) + ' ' + (p.service || '') + ' ' + p.port_class).toLowerCase().includes(f));
    const {key, dir} = S.sort;
    shown.sort((a, b) => {
      const x = sortValue(a, key), y = sortValue(b, key);
      const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return c !== 0 ? c * dir : (b.packets - a.packets);
    });
    for (const th of document.querySelectorAll('#ports-table th[data-sort]')) {
      th.classList.toggle('sorted-asc', th.dataset.sort === key && dir > 0);
      th.classList.toggle('sorted-desc', th.dataset.sort === key && dir < 0);
    }
    const body = clear($('ports-table').tBodies[0]);
    for (const p of shown) {
      const k = portKey(p);
      const cell = (field, value, text) => el('td', {class: 'num', 'data-field': field, 'data-value': num(value)},
        text !== undefined ? text : num(value));
      body.appendChild(el('tr', {'data-port': k, onclick: () => go('#/port/' + k)},
        el('td', {'data-field': 'port'}, el('a', {href: '#/port/' + k, text: k})),
        el('td', {'data-field': 'service', text: p.service || ''}),
        el('td', {'data-field': 'port_class', text: p.port_class}),
        el('td', {class: 'num fleet-only', 'data-field': 'sensors', text: num(p.sensors)}),
        cell('flows', p.flows), cell('active_flows', p.active_flows), cell('packets', p.packets),
        cell('packets_to_server', p.packets_to_server), cell('packets_to_client', p.packets_to_client),
        cell('bytes', p.bytes, bytes(p.bytes)),
        cell('unique_clients', p.unique_clients), cell('unique_servers', p.unique_servers),
        cell('established', tcp(p, 'established')), cell('rejected', tcp(p, 'rejected')),
        cell('unanswered', tcp(p, 'unanswered')), cell('rst', tcp(p, 'rst')),
        el('td', {class: 'fleet-only', 'data-field': 'busiest_sensors', text: S.mode === 'fleet' ? F.busiest(p) : ''})));
    }
    if (shown.length === 0) {
      body.appendChild(el('tr', {}, el('td', {colspan: 17, class: 'empty',
        text: all.length ? 'no port matches the filter' : (S.windows.length ? 'no traffic in this window' : 'waiting for the first window')})));
    }
    let note = shown.length + ' of ' + all.length + ' ports';
    const chosen = S.window === 'latest' || S.window === 'all' ? null : S.windows.find(w => String(w.seq) === String(S.window));
    const lastOf = S.windows.length ? S.windows[S.windows.length - 1] : null;
    const w = chosen || (S.window === 'latest' ? lastOf : null);
    if (w && w.ports_total > w.ports.length) note += ' (the window had ' + w.ports_total + '; the busiest are kept)';
    if (S.window === 'all') note += '; clients and servers: the most in one window';
    $('ports-note').textContent = note;
    $('ports-table').dataset.window = String(S.window);
  }

  function alertWhat(a) {
    switch (a.kind) {
      case 'port_scan':
        if (a.method === 'vertical') return a.ports + ' ports probed, ' + (a.open_ports || []).length + ' answered';
        if (a.method === 'horizontal') return a.hosts + ' hosts probed, ' + (a.open_hosts || []).length + ' answered';
        return (a.hosts || 0) + ' hosts contacted, ' + (a.answered_hosts || 0) + ' answered';
      case 'syn_flood': return a.syns + ' SYNs, ' + a.completed + ' completed, ' + a.syn_rate + '/s';
      case 'new_service': return (a.service || a.transport + '/' + a.port) + ' on ' + a.target + ' (' + (a.reason || 'new') + ')';
      case 'policy_violation': return (a.rule || '') + ' ' + (a.network || '');
      case 'fleet_scan': return F.what(a);
      default: return '';
    }
  }

  function renderAlerts() {
    const list = S.alerts;
    $('alert-count').textContent = list.length ? '(' + list.length + (S.alertsDropped ? ', ' + S.alertsDropped + ' older dropped' : '') + ')' : '';
    renderTimeline(list);
    const body = clear($('alert-list').tBodies[0]);
    for (let i = list.length - 1; i >= 0; i--) {
      const a = list[i];
      body.appendChild(el('tr', {'data-alert': i, 'data-kind': a.kind, class: S.selectedAlert === i ? 'selected' : null,
        onclick: () => selectAlert(i)},
        el('td', {title: a.time, text: shortTime(a.time)}), el('td', {text: a.kind}),
        el('td', {}, el('span', {class: 'sev sev-' + a.severity, text: a.severity})),
        el('td', {text: a.source || ''}), el('td', {text: a.target || ''}),
        el('td', {text: a.port === null ? a.transport + '/*' : a.transport + '/' + a.port}),
        el('td', {text: alertWhat(a)})));
    }
    if (list.length === 0) body.appendChild(el('tr', {}, el('td', {colspan: 7, class: 'empty', text: 'no alert'})));
    renderEvidence();
  }

  function renderTimeline(list) {
    const node = clear($('alert-timeline'));
    const NS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 1000 54');
    svg.setAttribute('preserveAspectRatio', 'none');
    const times = list.map(a => isoSeconds(a.time));
    const grid = timeGrid();
    let from = Math.min(...times, grid.length ? grid[0] : Infinity);
    let to = Math.max(...times, S.windows.length ? isoSeconds(S.windows[S.windows.length - 1].window.window_end) : -Infinity);
    if (!isFinite(from) || !isFinite(to)) { from = 0; to = 1; }
    if (to <= from) { from -= 0.5; to += 0.5; }
    const line = document.createElementNS(NS, 'line');
    for (const [k, v] of Object.entries({x1: 10, x2: 990, y1: 22, y2: 22, stroke: '#cbd5e1'})) line.setAttribute(k, v);
    svg.appendChild(line);
    for (const [x, t, anchor] of [[10, from, 'start'], [990, to, 'end']]) {
      const label = document.createElementNS(NS, 'text');
      label.setAttribute('x', x); label.setAttribute('y', 50); label.setAttribute('class', 'axis');
      label.setAttribute('text-anchor', anchor);
      label.textContent = new Date(t * 1000).toISOString().replace('T', ' ').replace('Z', '');
      svg.appendChild(label);
    }
    list.forEach((a, i) => {
      const c = document.createElementNS(NS, 'circle');
      c.setAttribute('cx', 10 + 980 * (times[i] - from) / (to - from));
      c.setAttribute('cy', 22 - 4 * (SEVERITY_RANK[a.severity] || 0) + 4);
      c.setAttribute('r', 6 + 2 * (SEVERITY_RANK[a.severity] || 0));
      c.setAttribute('fill', getComputedStyle(document.documentElement).getPropertyValue('--' + a.severity).trim() || '#d97706');
      c.setAttribute('class', 'marker' + (S.selectedAlert === i ? ' selected' : ''));
      c.setAttribute('data-alert', i);
      c.setAttribute('data-kind', a.kind);
      const title = document.createElementNS(NS, 'title');
      title.textContent = a.time + ' ' + a.kind + ' ' + (a.source || '') + ' \u2192 ' + (a.target || '') + ': ' + alertWhat(a);
      c.appendChild(title);
      c.addEventListener('click', () => selectAlert(i));
      svg.appendChild(c);
    });
    node.appendChild(svg);
  }

  function selectAlert(i) {
    S.selectedAlert = i;
    renderAlerts();
    const ev = $('alert-evidence');
    if (!ev.hidden) ev.scrollIntoView({block: 'nearest'});
  }

  function items(values, open) {
    const openSet = new Set(open || []);
    return el('div', {class: 'items'}, (values || []).map(v => el('span', {class: openSet.has(v) ? 'open' : null, text: String(v)})));
  }

  function renderEvidence() {
    const box = $('alert-evidence');
    const a = S.selectedAlert === null ? null : S.alerts[S.selectedAlert];
    clear(box);
    if (!a) { box.hidden = true; return; }
    box.hidden = false;
    box.dataset.kind = a.kind;
    box.appendChild(el('h3', {}, el('span', {class: 'sev sev-' + a.severity, text: a.severity}), ' ', a.kind.replace('_', ' '),
      ': ', (a.source || '?') + ' \u2192 ' + (a.target || '?')));
    const facts = el('table', {class: 'kv', id: 'evidence-facts'});
    const fact = (label, value, field) => facts.appendChild(el('tr', {'data-field': field || null}, el('th', {text: label}), el('td', {text: value})));
    if (a.kind === 'port_scan' && a.method === 'vertical') {
      fact('ports probed', num(a.ports) + (a.port_range ? ' (' + a.port_range.join(' \u2013 ') + ')' : ''), 'ports');
      fact('failed (no answer or refused)', num(a.failed_ports), 'failed_ports');
      fact('answered (open)', num((a.open_ports || []).length) + ((a.open_ports || []).length ? ': ' + a.open_ports.join(', ') : ''), 'open_ports');
    } else if (a.kind === 'port_scan') {
      fact('hosts probed', num(a.hosts) + (a.host_range ? ' (' + a.host_range.join(' \u2013 ') + ')' : ''), 'hosts');
      fact('failed', num(a.failed_hosts), 'failed_hosts');
      const answered = a.open_hosts ? a.open_hosts.length : a.answered_hosts;
      fact('answered', num(answered) + (a.open_hosts && a.open_hosts.length ? ': ' + a.open_hosts.join(', ') : ''), 'answered');
    }
    if (a.type === 'fleet_scan') F.evidence(fact, a);
    if (a.first_seen) fact('first seen', a.first_seen, 'first_seen');
    if (a.last_seen) fact('last seen', a.last_seen, 'last_seen');
    box.appendChild(facts);
    if (a.port_sample) { box.appendChild(el('h3', {text: 'ports probed (sample)'})); box.appendChild(items(a.port_sample, a.open_ports)); }
    if (a.open_ports && a.open_ports.length) { box.appendChild(el('h3', {text: 'ports that answered'})); box.appendChild(items(a.open_ports, a.open_ports)); }
    if (a.host_sample) { box.appendChild(el('h3', {text: 'hosts probed (sample)'})); box.appendChild(items(a.host_sample, a.open_hosts)); }
    if (a.target_sample) { box.appendChild(el('h3', {text: 'hosts probed (sample)'})); box.appendChild(items(a.target_sample)); }
    const details = el('table', {class: 'kv', id: 'evidence-details'});
    for (const [k, v] of Object.entries(a)) {
      if (ALERT_BASE.has(k)) continue;
      details.appendChild(el('tr', {'data-field': k}, el('th', {text: k}), el('td', {text: Array.isArray(v) ? v.join(', ') : num(v)})));
    }
    box.appendChild(el('h3', {text: 'all fields of the alert'}));
    box.appendChild(details);
  }

  function renderServices() {
    const list = exposedServices();
    const body = clear($('services-table').tBodies[0]);
    for (const s of list) {
      const k = s.transport + '/' + s.port;
      body.appendChild(el('tr', {'data-service': s.transport + '/' + s.address + '/' + s.port, 'data-new': s.isNew ? 'true' : 'false'},
        el('td', {}, el('a', {href: '#/port/' + k, text: k})), el('td', {text: s.address}), el('td', {text: s.service || ''}),
        el('td', {'data-field': 'first_seen', title: s.first_seen || '', text: shortTime(s.first_seen)}),
        el('td', {'data-field': 'last_seen', title: s.last_seen || '', text: shortTime(s.last_seen)}),
        el('td', {class: 'num', 'data-field': 'flows', text: num(s.flows)}), el('td', {class: 'num', 'data-field': 'clients', text: num(s.clients)}),
        el('td', {class: 'fleet-only', 'data-field': 'sensors', text: (s.sensors || []).join(', ')}),
        el('td', {}, s.isNew ? el('span', {class: 'badge-new', title: s.reason || 'new', text: 'new'}) : null)));
    }
    if (list.length === 0) body.appendChild(el('tr', {}, el('td', {colspan: 9, class: 'empty', text: 'no exposed service known yet'})));
    $('services-note').textContent = S.mode === 'fleet' ? F.servicesNote : 'New: a new_service alert (not in the baseline, or after the learning period). '
      + 'Others: servers that the windows kept name among their ports\u2019 top servers (first seen: the first such window).';
  }

  function renderHealth() {
    const byInput = new Map();
    for (const w of S.windows) {
      const r = w.window;
      let h = byInput.get(r.input);
      if (!h) { h = {received: 0, kernel: 0, iface: 0, decode: 0, output: 0, windows: 0, capture: false}; byInput.set(r.input, h); }
      if (r.capture) {
        h.capture = true; h.received += r.capture.received; h.kernel += r.capture.dropped_kernel; h.iface += r.capture.dropped_interface;
      }
      h.decode += r.decode_errors; h.output = Math.max(h.output, r.output_dropped); h.windows++;
    }
    const body = clear($('health').tBodies[0]);
    for (const [input, h] of byInput) {
      const c = (field, v) => el('td', {class: 'num', 'data-field': field, text: v});
      body.appendChild(el('tr', {'data-input': input}, el('td', {text: input}),
        c('received', h.capture ? num(h.received) : '\u2013'), c('dropped_kernel', h.capture ? num(h.kernel) : '\u2013'),
        c('dropped_interface', h.capture ? num(h.iface) : '\u2013'), c('decode_errors', num(h.decode)),
        c('output_dropped', num(h.output)), c('windows', num(h.windows))));
    }
    if (byInput.size === 0) body.appendChild(el('tr', {}, el('td', {colspan: 7, class: 'empty', text: 'no window yet'})));
    $('health-note').textContent = 'Over the windows kept. Received and drops are the capture\u2019s own counters (live '
      + 'interfaces); output drops are records the output dropped so far because it fell behind.';
  }

  function renderSummary() {
    const sec = $('summary-section');
    const t = clear($('summary'));
    sec.hidden = S.summaries.length === 0;
    for (const s of S.summaries) {
      const row = (label, value, field) => t.appendChild(el('tr', {'data-field': field || null}, el('th', {text: label}), el('td', {text: value})));
      if (S.summaries.length > 1) row('input', s.input);
      row('time', (s.start || '\u2013') + ' \u2013 ' + (s.end || '\u2013'), 'time');
      row('packets', num(s.packets), 'packets');
      row('bytes', bytes(s.bytes) + ' (' + s.bytes + ')', 'bytes');
      row('tcp / udp packets', num(s.tcp_packets) + ' / ' + num(s.udp_packets), 'tcp_udp');
      row('fragments, other IP, non-IP', num(s.fragments) + ', ' + num(s.other_ip_packets) + ', ' + num(s.non_ip_packets), 'other');
      row('flows (evicted)', num(s.flows) + ' (' + num(s.flows_evicted) + ')', 'flows');
      const errors = Object.entries(s.decode_errors || {});
      row('decode errors', errors.length ? errors.map(([k, v]) => k + ': ' + v).join(', ') : 'none', 'decode_errors');
      const links = Object.entries(s.unknown_link_types || {});
      if (links.length) row('unknown link types', links.map(([k, v]) => k + ': ' + v).join(', '), 'unknown_link_types');
      if ((s.input_errors || []).length) row('input errors', s.input_errors.join('; '), 'input_errors');
    }
  }

  function renderReportInfo() {
    const box = $('report-info');
    if (!S.report) { box.hidden = true; return; }
    box.hidden = false;
    clear(box);
    box.appendChild(el('h2', {text: 'Report of ' + S.report.inputs.join(', ')}));
    box.appendChild(el('p', {id: 'interval-note', 'data-interval-ns': S.intervalNs},
      'Windows of ' + S.report.interval + (S.report.interval_chosen ? ', chosen by portwatch so that the time series has one to two hundred points (--interval to choose another)' : ' (--interval)')
      + ': ' + S.windows.length + ' windows with traffic.'));
    box.appendChild(el('p', {class: 'muted', text: 'Written ' + S.report.generated + ' by portwatch, sensor ' + S.sensor + '.'}));
  }

  function renderOverview() {
    renderReportInfo();
    renderSummary();
    renderTopChart();
    renderPortsTable();
    renderAlerts();
    renderServices();
    if (S.mode === 'fleet') F.health(S); else renderHealth();
  }

  // ---------------------------------------------------------------- a port's page

  function renderPortPage(key) {
    const [transport, port] = key.split('/');
    const grid = timeGrid();
    const series = portSeries(key, grid);
    const any = series.find(p => p) || portsOf('all').find(p => portKey(p) === key);
    $('port-title').textContent = key + (any && any.service ? ' ' + any.service : '') + (any ? ' (' + any.port_class + ')' : '');
    $('port-page').dataset.port = key;
    const m = S.portMetric;
    const layers = m === 'flows'
      ? [{label: 'flows started', color: COLORS[0], values: series.map(p => p ? p.flows : 0)}]
      : [{label: m + ' to server', color: COLORS[0], values: series.map(p => p ? p[m + '_to_server'] : 0)},
        {label: m + ' to client', color: COLORS[2], values: series.map(p => p ? p[m + '_to_client'] : 0)}];
    stackedChart($('port-chart'), 'port', grid, layers, m);
    windowOptions($('port-window'), S.portWindow);
    const rec = portsOf(S.portWindow).find(p => portKey(p) === key) || null;
    $('port-counts').dataset.window = String(S.portWindow);
    const counts = clear($('port-counts'));
    const row = (t, label, value, field) => t.appendChild(el('tr', {'data-field': field}, el('th', {text: label}), el('td', {class: 'num', text: value})));
    if (!rec) {
      counts.appendChild(el('tr', {}, el('td', {class: 'empty', text: 'no traffic on this port in this window'})));
    } else {
      row(counts, 'flows started', num(rec.flows), 'flows'); row(counts, 'active flows', num(rec.active_flows), 'active_flows');
      row(counts, 'packets', num(rec.packets) + ' (' + rec.packets_to_server + ' to server, ' + rec.packets_to_client + ' to client)', 'packets');
      row(counts, 'bytes', bytes(rec.bytes) + ' (' + rec.bytes + ')', 'bytes');
      row(counts, 'clients', num(rec.unique_clients), 'unique_clients'); row(counts, 'servers', num(rec.unique_servers), 'unique_servers');
    }
    const outcomes = clear($('tcp-outcomes'));
    if (transport !== 'tcp') {
      outcomes.appendChild(el('tr', {}, el('td', {class: 'empty', text: 'UDP: no handshakes'})));
    } else if (rec && rec.tcp) {
      for (const [f, label] of [['established', 'established'], ['rejected', 'rejected (RST to SYN)'], ['unanswered', 'unanswered SYNs'],
        ['rst', 'resets'], ['syn', 'SYN'], ['syn_ack', 'SYN-ACK'], ['fin', 'FIN']]) row(outcomes, label, num(rec.tcp[f]), f);
    }
    renderTalkers($('top-clients'), rec, 'top_clients', $('clients-by').value);
    renderTalkers($('top-servers'), rec, 'top_servers', $('servers-by').value);
    if (S.mode === 'fleet') F.portPage(rec);
    const servers = clear($('port-servers'));
    const mine = exposedServices().filter(s => s.transport === transport && String(s.port) === port);
    servers.appendChild(el('tr', {}, el('th', {text: 'server'}), el('th', {text: 'first seen'}), el('th', {text: 'last seen'}), el('th', {})));
    for (const s of mine) {
      servers.appendChild(el('tr', {'data-address': s.address}, el('td', {text: s.address}), el('td', {title: s.first_seen, text: shortTime(s.first_seen)}),
        el('td', {title: s.last_seen || '', text: shortTime(s.last_seen)}), el('td', {}, s.isNew ? el('span', {class: 'badge-new', text: 'new'}) : null)));
    }
    if (!mine.length) servers.appendChild(el('tr', {}, el('td', {colspan: 4, class: 'empty', text: 'none known (top servers appear with --top-talkers)'})));
    const alerts = clear($('port-alerts'));
    const related = S.alerts.map((a, i) => [a, i]).filter(([a]) => a.transport === transport && (String(a.port) === port
      || (a.open_ports || []).includes(key) || (a.port_sample || []).includes(key)));
    for (const [a, i] of related) {
      alerts.appendChild(el('tr', {'data-alert': i, onclick: () => { go('#/'); selectAlert(i); }},
        el('td', {title: a.time, text: shortTime(a.time)}), el('td', {text: a.kind}), el('td', {text: (a.source || '') + ' \u2192 ' + (a.target || '')}),
        el('td', {text: alertWhat(a)})));
    }
    if (!related.length) alerts.appendChild(el('tr', {}, el('td', {class: 'empty', text: 'none'})));
  }

  /** Top clients or servers of the port's record: a window's exact list, or over several windows their sums. */
  function renderTalkers(table, rec, field, by) {
    clear(table);
    const lists = [];
    if (rec && rec[field]) lists.push(rec[field]);
    if (!rec || (!rec[field] && S.portWindow === 'all')) {
      // summed records carry no talkers: add up each window's (the hosts each window ranked)
      for (const w of S.windows) for (const p of w.ports) if (rec && portKey(p) === portKey(rec) && p[field]) lists.push(p[field]);
    }
    table.appendChild(el('tr', {}, el('th', {text: 'address'}), el('th', {class: 'num', text: 'packets'}),
      el('th', {class: 'num', text: 'bytes'}), el('th', {class: 'num', text: 'flows'})));
    if (!lists.length) {
      table.appendChild(el('tr', {}, el('td', {colspan: 4, class: 'empty',
        text: rec ? 'not in the records (portwatch --top-talkers 0, or an earlier portwatch)' : 'no traffic in this window'})));
      return;
    }
    const sum = new Map();
    for (const l of lists) for (const t of (l[by] || [])) {
      const s = sum.get(t.address) || {address: t.address, packets: 0, bytes: 0, flows: 0};
      s.packets += t.packets; s.bytes += t.bytes; s.flows += t.flows;
      sum.set(t.address, s);
    }
    const rows = [...sum.values()].sort((a, b) => by === 'by_bytes' ? b.bytes - a.bytes : b.packets - a.packets);
    for (const t of rows) {
      table.appendChild(el('tr', {'data-address': t.address}, el('td', {text: t.address}),
        el('td', {class: 'num', 'data-field': 'packets', text: num(t.packets)}),
        el('td', {class: 'num', 'data-field': 'bytes', 'data-value': t.bytes, text: bytes(t.bytes)}),
        el('td', {class: 'num', 'data-field': 'flows', text: num(t.flows)})));
    }
    const exact = lists.every(l => l.exact !== false);
    table.dataset.exact = String(exact);
    if (!exact || lists.length > 1) {
      table.appendChild(el('tr', {}, el('td', {colspan: 4, class: 'muted',
        text: (lists.length > 1 ? 'summed over ' + lists.length + ' windows\u2019 top lists' : '') + (exact ? '' : ' (estimates: many hosts)')})));
    }
  }

  // ---------------------------------------------------------------- routing, rendering, updates

  function route() {
    const m = /^#\/port\/(tcp|udp)\/(\d+)$/.exec(location.hash);
    S.route = m ? {page: 'port', key: m[1] + '/' + m[2]} : {page: 'overview'};
  }

  function go(hash) {
    if (location.hash !== hash) location.hash = hash; else render();
  }

  let pending = false;
  function render() {
    $('overview').hidden = S.route.page !== 'overview';
    $('port-page').hidden = S.route.page !== 'port';
    document.body.dataset.mode = S.mode;
    $('sensor').textContent = S.sensor ? (S.mode === 'fleet' ? 'fleet ' : 'sensor ') + S.sensor : '';
    $('mode').textContent = S.mode === 'report' ? 'report' : (S.mode === 'fleet' ? 'fleet' : 'live') + ', windows of ' + intervalText();
    if (S.route.page === 'port') renderPortPage(S.route.key); else renderOverview();
    document.body.dataset.seq = String(S.seq);
    document.body.dataset.windows = String(S.windows.length);
    document.body.dataset.ready = 'true';
  }

  function renderSoon() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; render(); });
  }

  function status(s, text) {
    S.connection = s;
    $('status').dataset.status = s;
    $('status').textContent = text;
  }

  /**
   * An address of the API beside the page, without the credentials a person may have typed in the page's
   * address (fetch refuses those; the browser sends the ones it keeps for the site).
   */
  function api(path) {
    const u = new URL(path, location.href);
    u.username = '';
    u.password = '';
    return u.href;
  }

  async function fetchState() {
    const r = await fetch(api('api/state'), {cache: 'no-store'});
    if (!r.ok) throw new Error('api/state: ' + r.status);
    load(await r.json());
  }

  let polling = null;
  function follow() {
    const es = new EventSource(api('api/events?after=' + S.seq));
    for (const name of ['window', 'alert', 'service', 'summary']) {
      es.addEventListener(name, e => {
        if (apply(name, JSON.parse(e.data))) {
          status('live', 'live \u00b7 ' + shortTime(S.windows.length ? S.windows[S.windows.length - 1].window.window_end : ''));
          renderSoon();
        }
      });
    }
    es.addEventListener('reset', () => { fetchState().then(renderSoon).catch(() => {}); });
    es.onopen = () => status('live', 'live');
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        // turned away (too many followers) or the server is gone: poll the snapshot instead
        status('polling', 'polling');
        if (!polling) polling = setInterval(() => fetchState().then(renderSoon).catch(() => status('polling', 'unreachable')),
          Math.max(2000, S.intervalNs / 1e6));
      } else {
        status('reconnecting', 'reconnecting');
      }
    };
  }

  function wire() {
    $('metric').addEventListener('change', e => { S.metric = e.target.value; render(); });
    $('port-metric').addEventListener('change', e => { S.portMetric = e.target.value; render(); });
    $('window-select').addEventListener('change', e => { S.window = e.target.value; render(); });
    $('port-window').addEventListener('change', e => { S.portWindow = e.target.value; render(); });
    $('clients-by').addEventListener('change', render);
    $('servers-by').addEventListener('change', render);
    $('port-filter').addEventListener('input', e => { S.filter = e.target.value; renderPortsTable(); });
    for (const th of document.querySelectorAll('#ports-table th[data-sort]')) {
      th.addEventListener('click', () => {
        const key = th.dataset.sort;
        S.sort = {key: key, dir: S.sort.key === key ? -S.sort.dir : (key === 'port' || key === 'service' || key === 'port_class' ? 1 : -1)};
        renderPortsTable();
      });
    }
    window.addEventListener('hashchange', () => { route(); render(); window.scrollTo(0, 0); });
    let resize = null;
    window.addEventListener('resize', () => { clearTimeout(resize); resize = setTimeout(render, 200); });
  }

  async function start() {
    wire();
    route();
    const embedded = $('portwatch-data');
    if (embedded) {
      load(JSON.parse(embedded.textContent));
      status('report', 'report');
      render();
      return;
    }
    try {
      await fetchState();
      status('live', 'live');
    } catch (e) {
      status('polling', 'cannot load: ' + e.message);
    }
    render();
    follow();
  }

  window.portwatch = {state: S, render: render, util: {$, el, clear, num, bytes, shortTime}};
  start();
})();
