/*
 * The fleet's records in portwatch's page (`portwatch fleet --http-port`): fleet_port_stats in the ports table
 * (sensors, busiest sensors), fleet_service in the services (their sensors), fleet_scan in the alerts (its
 * sensors, summed evidence and threshold). Loaded before portwatch.js, which calls these functions when the
 * page's mode is 'fleet' (and alerts() always: it leaves other records as they are); they use its helpers
 * (window.portwatch.util) when called. Text from the records goes in as text, never as HTML.
 */
(function () {
  'use strict';

  function U() { return window.portwatch.util; }

  /** "a 1200, b 800": the sensors with the most packets on the port. */
  function busiest(p) {
    return (p.busiest_sensors || []).map(s => s.sensor + ' ' + s.packets).join(', ');
  }

  /** Busiest sensors over several windows: their packets and bytes summed, the five busiest. */
  function mergeBusiest(a, b) {
    const by = new Map();
    for (const s of (a || []).concat(b || [])) {
      const t = by.get(s.sensor) || {sensor: s.sensor, packets: 0, bytes: 0};
      t.packets += s.packets; t.bytes += s.bytes;
      by.set(s.sensor, t);
    }
    return [...by.values()].sort((x, y) => y.packets - x.packets || y.bytes - x.bytes).slice(0, 5);
  }

  /**
   * What the alert views read of an alert (kind, time, severity, target, transport, port), for a fleet_scan
   * from its own fields: not enumerable, so that the list of the record's fields shows the record alone.
   * Fleet scans show at the sensors' severity for a scan without an answered port (medium).
   */
  function alert(a) {
    if (!a || a.type !== 'fleet_scan') return a;
    const ports = (a.port_sample || []).map(k => k.split('/'));
    const transports = new Set(ports.map(p => p[0]));
    const one = a.ports === 1 && ports.length === 1;
    const view = {
      kind: 'fleet_scan', time: a.window_end, severity: 'medium',
      target: a.targets === 1 && (a.target_sample || []).length === 1 ? a.target_sample[0] : a.targets + ' hosts',
      transport: transports.size === 1 ? [...transports][0] : 'tcp', port: one ? Number(ports[0][1]) : null
    };
    for (const [k, v] of Object.entries(view)) Object.defineProperty(a, k, {value: v, enumerable: false, configurable: true});
    return a;
  }

  function what(a) {
    return a.sensors.length + ' sensor' + (a.sensors.length === 1 ? '' : 's') + ', ' + a.failed + ' failed, '
      + a.answered + ' answered, ratio ' + a.log_likelihood_ratio + ' (' + a.method + ')';
  }

  /** The facts of a fleet scan's evidence (its samples follow, as for a scan). */
  function evidence(fact, a) {
    const {num} = U();
    fact('window', a.window_start + ' \u2013 ' + a.window_end, 'window');
    fact('sensors', a.sensors.join(', '), 'sensors');
    fact('seen alone by', (a.seen_alone || []).length ? a.seen_alone.join(', ') : 'none: only the fleet saw enough', 'seen_alone');
    fact('log-likelihood ratio (summed)', num(a.log_likelihood_ratio) + ' (threshold ' + num(a.threshold) + ', ' + a.method + ')',
      'log_likelihood_ratio');
    fact('first contacts', num(a.failed) + ' failed, ' + num(a.answered) + ' answered', 'failed');
    fact('targets, ports', num(a.targets) + ', ' + num(a.ports), 'targets');
  }

  /** A port's page: its sensors and busiest sensors (the fleet's records have no top talkers). */
  function portPage(rec) {
    const {$, el, clear, num, bytes} = U();
    if (rec) {
      $('port-counts').appendChild(el('tr', {'data-field': 'sensors'}, el('th', {text: 'sensors'}), el('td', {class: 'num', text: num(rec.sensors)})));
    }
    const t = clear($('busiest-sensors'));
    t.appendChild(el('tr', {}, el('th', {text: 'sensor'}), el('th', {class: 'num', text: 'packets'}), el('th', {class: 'num', text: 'bytes'})));
    for (const s of (rec && rec.busiest_sensors) || []) {
      t.appendChild(el('tr', {'data-sensor': s.sensor}, el('td', {text: s.sensor}),
        el('td', {class: 'num', 'data-field': 'packets', text: num(s.packets)}),
        el('td', {class: 'num', 'data-field': 'bytes', 'data-value': s.bytes, text: bytes(s.bytes)})));
    }
    if (!rec) t.appendChild(el('tr', {}, el('td', {colspan: 3, class: 'empty', text: 'no traffic in this window'})));
  }

  /** In place of capture health: the fleet's windows, their ports, late records and sketches left out. */
  function health(S) {
    const {$, el, clear, num, bytes, shortTime} = U();
    document.querySelector('#health-section h2').textContent = 'Fleet windows';
    const table = clear($('health'));
    table.appendChild(el('thead', {}, el('tr', {}, el('th', {text: 'window'}), el('th', {class: 'num', text: 'ports'}),
      el('th', {class: 'num', text: 'packets'}), el('th', {class: 'num', text: 'bytes'}),
      el('th', {class: 'num', text: 'late records'}), el('th', {class: 'num', text: 'sketches left out'}))));
    const body = table.appendChild(el('tbody', {}));
    for (let i = S.windows.length - 1; i >= 0; i--) {
      const r = S.windows[i].window;
      const c = (field, v, text) => el('td', {class: 'num', 'data-field': field, text: text === undefined ? num(v) : text});
      body.appendChild(el('tr', {'data-window': r.window_start}, el('td', {text: shortTime(r.window_start) + ' \u2013 ' + shortTime(r.window_end)}),
        c('ports', r.ports), c('packets', r.packets), c('bytes', r.bytes, bytes(r.bytes)), c('late_records', r.late_records),
        c('sketches_skipped', r.sketches_skipped)));
    }
    if (!S.windows.length) body.appendChild(el('tr', {}, el('td', {colspan: 6, class: 'empty', text: 'no fleet window yet'})));
    $('health-note').textContent = 'The fleet\u2019s windows kept, newest first; totals are the sums of their ports\u2019 records. '
      + 'Late records came after their window closed (not added); sketches left out were hashed another way, absent or unreadable.';
  }

  window.portwatchFleet = {busiest, mergeBusiest, alert, what, evidence, portPage, health,
    servicesNote: 'The fleet\u2019s inventory (portwatch.fleet.services): first and last seen by any sensor, the sensors that saw '
      + 'it, flows summed over them, clients the most one sensor counted.'};
})();
