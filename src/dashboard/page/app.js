// The dashboard page: a snapshot and then live samples and change events from /api/stream (server-sent
// events), drawn with plain DOM and SVG so the page needs nothing from the network but its own server.

const $ = (sel) => document.querySelector(sel);
const palette = ['#2b7bb9', '#d1621b', '#2f9e5a', '#8a3ab9', '#c23b2e', '#6b7385', '#b7791f', '#1aa1a1'];
const FEED_ROWS = 100;

let windowMs = 600_000;
let history = [];

function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith('svg:') ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

const cls = (prefix, s) => `${prefix}-${String(s).replace(/\W+/g, '-')}`;

function formatBytes(n) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) ((n /= 1024), i++);
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

const formatMs = (ms) => (ms < 10_000 ? `${ms} ms` : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

function formatLsn(text) {
  const v = BigInt(text);
  return `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;
}

const rate = (x) => (x === null || x === undefined ? '–' : x < 10 ? x.toFixed(1) : String(Math.round(x)));

function renderStatus(s) {
  $('#health').textContent = s.healthy ? 'healthy' : `${s.problems.length} problem${s.problems.length === 1 ? '' : 's'}`;
  $('#health').className = `badge ${s.healthy ? 'ok' : 'bad'}`;
  $('#runtime').textContent = `${s.runtime.name} runtime`;
  $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;

  $('#services tbody').replaceChildren(
    ...s.services.map((x) =>
      el(
        'tr',
        { 'data-service': x.name },
        el('td', {}, x.name),
        el('td', { class: `state ${cls('state', x.state)}` }, x.state),
        el('td', {}, x.address),
        el('td', { class: 'num' }, x.pid ?? ''),
      ),
    ),
  );

  const c = s.connector;
  $('#connector').replaceChildren(`${c.name}: `, el('span', { class: `state ${cls('state', c.state)}`, 'data-state': c.state }, c.state));
  $('#tasks').replaceChildren(
    ...c.tasks.map((t) =>
      el(
        'li',
        { 'data-task': t.id },
        `task ${t.id}: `,
        el('span', { class: `state ${cls('state', t.state)}` }, t.state),
        t.trace ? ` ${t.trace.split('\n')[0]}` : '',
      ),
    ),
  );

  renderSlot(s.slot);

  $('#replicas tbody').replaceChildren(
    ...s.replication.map((r) => {
      const point = history.at(-1)?.replicas.find((p) => p.name === r.name);
      return el(
        'tr',
        { 'data-replica': r.name },
        el('td', {}, r.name),
        el('td', { class: 'num applied' }, r.error ? 'down' : r.appliedEvents),
        el('td', { class: 'num lsn' }, r.lastLsn === null ? '–' : formatLsn(r.lastLsn)),
        el('td', { class: 'num lag-events' }, r.error ? '?' : (r.lagEvents ?? '?')),
        el('td', { class: 'num lag' }, point?.lagMs === null || point?.lagMs === undefined ? '–' : formatMs(point.lagMs)),
        el('td', { class: 'num applied-rate' }, rate(point?.appliedPerSec)),
        el('td', { class: 'num dead' }, r.deadLettered),
        el('td', { class: 'reason' }, r.error ?? r.lastDeadLetter ?? ''),
      );
    }),
  );

  $('#problems').replaceChildren(...s.problems.map((p) => el('li', {}, p.reason, el('span', { class: 'hint' }, `hint: ${p.hint}`))));
}

function renderSlot(slot) {
  const meter = $('#slot-meter');
  $('#slot-warning').textContent = '';
  if (slot === null) {
    $('#slot').textContent = 'not created yet';
    meter.className = 'meter none';
    return;
  }
  if (slot.error) {
    $('#slot').textContent = `${slot.name}: unknown (${slot.error})`;
    meter.className = 'meter none';
    return;
  }
  const limit = slot.maxKeepBytes === null ? 'no limit (max_slot_wal_keep_size = -1)' : `of ${formatBytes(slot.maxKeepBytes)} allowed`;
  $('#slot').replaceChildren(
    `${slot.name} (${slot.active ? 'active' : 'inactive'}, wal_status ${slot.walStatus ?? '?'}): WAL retained `,
    el('strong', { id: 'slot-retained', 'data-bytes': slot.walRetainedBytes }, formatBytes(slot.walRetainedBytes)),
    ` ${limit}`,
  );
  if (slot.maxKeepBytes === null) meter.className = 'meter none';
  else {
    const share = Math.min(1, slot.walRetainedBytes / slot.maxKeepBytes);
    meter.className = `meter${share > 0.5 ? ' high' : ''}`;
    meter.firstElementChild.style.width = `${(share * 100).toFixed(1)}%`;
  }
  $('#slot-warning').textContent = slot.warning ?? '';
}

function renderRates() {
  const last = history.at(-1);
  // When the numbers on the page were looked at (for scripts and tests that compare them with `status`).
  document.body.dataset.sampleAt = String(last?.at ?? '');
  $('#events-rate').textContent = rate(last?.eventsPerSec);
  $('#log-events').textContent = last?.logEvents ?? '–';
}

// The lag chart: one line per replica over the last windowMs, y from 0 to a round number above the highest lag.
function renderChart() {
  const W = 760,
    H = 220,
    left = 56,
    right = 10,
    top = 10,
    bottom = 24;
  const svg = $('#lag-chart');
  const now = history.at(-1)?.at ?? Date.now();
  const names = [...new Set(history.flatMap((s) => s.replicas.map((r) => r.name)))];
  const highest = Math.max(0, ...history.flatMap((s) => s.replicas.map((r) => r.lagMs ?? 0)));
  const yMax = niceCeiling(Math.max(highest, 1000));
  const x = (at) => left + ((at - (now - windowMs)) / windowMs) * (W - left - right);
  const y = (ms) => top + (1 - ms / yMax) * (H - top - bottom);
  const parts = [];
  for (const f of [0, 0.5, 1]) {
    parts.push(el('svg:line', { class: 'grid', x1: left, x2: W - right, y1: y(yMax * f), y2: y(yMax * f) }));
    parts.push(el('svg:text', { x: left - 6, y: y(yMax * f) + 4, 'text-anchor': 'end' }, formatMs(Math.round(yMax * f))));
  }
  const minutes = Math.round(windowMs / 60_000);
  parts.push(el('svg:text', { x: left, y: H - 6 }, `−${minutes} min`));
  parts.push(el('svg:text', { x: W - right, y: H - 6, 'text-anchor': 'end' }, 'now'));
  names.forEach((name, i) => {
    let d = '';
    let pen = 'M';
    let points = 0;
    for (const s of history) {
      const lag = s.replicas.find((r) => r.name === name)?.lagMs;
      if (lag === null || lag === undefined) {
        pen = 'M'; // a replica that could not be read leaves a gap
        continue;
      }
      d += `${pen}${x(s.at).toFixed(1)},${y(lag).toFixed(1)} `;
      pen = 'L';
      points++;
    }
    parts.push(el('svg:path', { d: d.trim(), stroke: palette[i % palette.length], 'data-replica': name, 'data-points': points }));
  });
  svg.replaceChildren(...parts);
  svg.dataset.max = String(highest);
  $('#legend').replaceChildren(
    ...names.map((name, i) => el('span', {}, el('i', { style: `background:${palette[i % palette.length]}` }), name)),
  );
  $('#window').textContent = `${minutes} minutes`;
}

function niceCeiling(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((n) => n >= v);
}

function addChange(c) {
  const when = c.at ? new Date(c.at).toISOString().slice(11, 23) : '';
  const text = c.op === 'schema change' ? '' : `${c.table}${c.key ? ` ${c.key}` : ''} ${c.columns.map(([k, v]) => `${k}=${v}`).join(' ')}`;
  const row = el(
    'li',
    {},
    el('span', { class: 'dim' }, when),
    ' ',
    el('span', { class: cls('op', c.op) }, c.op),
    ' ',
    c.op === 'schema change' ? c.table : text,
  );
  row.title = row.textContent;
  const feed = $('#feed');
  feed.prepend(row);
  while (feed.children.length > FEED_ROWS) feed.lastElementChild.remove();
}

function connect() {
  const source = new EventSource('/api/stream');
  source.addEventListener('snapshot', (e) => {
    const state = JSON.parse(e.data);
    windowMs = state.windowMs;
    history = state.history;
    $('#feed').replaceChildren();
    state.feed.recent.forEach(addChange);
    $('#feed-error').textContent = state.feed.error ?? '';
    if (state.status) renderStatus(state.status);
    renderRates();
    renderChart();
  });
  source.addEventListener('sample', (e) => {
    const { status, sample } = JSON.parse(e.data);
    history.push(sample);
    while (history.length && history[0].at < sample.at - windowMs) history.shift();
    renderStatus(status);
    renderRates();
    renderChart();
  });
  source.addEventListener('change', (e) => addChange(JSON.parse(e.data)));
  source.addEventListener('feed', (e) => ($('#feed-error').textContent = JSON.parse(e.data).error ?? ''));
  source.onerror = () => {
    $('#health').textContent = 'reconnecting…';
    $('#health').className = 'badge';
  };
}

connect();
