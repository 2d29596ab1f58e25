// Aiops web UI: a hash-routed single page over /api/v1. Each route renders into <main id="view">; a failed API call
// shows its problem-details `detail` in the alert box above and leaves the rest of the page usable.
import { api, download, h, table, link, badge, card, fmtTime, fmtDuration, fmtPct, fmtNum, enc } from './lib.js';
import { memberGraph } from './graph.js';
import { seriesChart, chartLegend } from './chart.js';

const view = document.getElementById('view');
const errorBox = document.getElementById('error');

/** Most member-series charts an incident page draws (each is one API call and one InfluxDB query). */
const MAX_INCIDENT_CHARTS = 12;

/** Predictions whose ETA lies within this horizon of their last update count as "in the next 24 h". */
const HORIZON_MS = 24 * 3600 * 1000;

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

function clearError() {
  errorBox.hidden = true;
  errorBox.textContent = '';
}

/** Loads several API paths at once; a failing one shows its error and yields null, the others still render. */
async function load(paths) {
  const results = await Promise.allSettled(paths.map(p => api(p)));
  const failures = results.filter(r => r.status === 'rejected').map(r => r.reason.message);
  if (failures.length) showError(failures.join('\n'));
  return results.map(r => (r.status === 'fulfilled' ? r.value : null));
}

const severity = s => badge(s, `sev-${s}`);
const state = s => badge(s, `state-${s}`);
const ago = iso => (iso ? `${fmtDuration(Date.now() - new Date(iso).getTime())} ago` : '—');

function etaCell(p) {
  if (!p.eta) return '—';
  const lead = new Date(p.eta) - new Date(p.updated);
  return h('span', {}, fmtTime(p.eta), h('br'), h('span', { class: 'muted' }, `in ${fmtDuration(lead)} (as of ${fmtTime(p.updated)})`));
}

/** Ticket history lines start with a raw ISO time (7 decimals, offset): shown as "2026-11-25 18:47:59 UTC" like the rest. */
const fmtTimesIn = text => text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g, t => {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
});

const intervalCell = p => (p.etaLow && p.etaHigh ? `${fmtTime(p.etaLow)} – ${fmtTime(p.etaHigh)}` : '—');

const predictionColumns = [
  { title: 'CI', cell: p => link(`#/hosts/${enc(p.entity)}`, p.entity) },
  { title: 'Series', cell: p => p.series },
  { title: 'Threshold', num: true, cell: p => fmtNum(p.threshold) },
  { title: 'Current value', num: true, cell: p => fmtNum(p.value) },
  { title: 'ETA', cell: etaCell },
  { title: 'Interval', cell: intervalCell },
  { title: 'Probability', num: true, cell: p => fmtPct(p.probability) },
];

// ---------------------------------------------------------------- Charts
/** The API refuses windows over 31 days; charts keep a minute inside that. */
const MAX_WINDOW_MS = 31 * 24 * 3600 * 1000 - 60_000;
const isoMs = ms => new Date(ms).toISOString();

/**
 * A box that loads GET /series for one series and draws it. It is returned at once (the page does not wait for
 * InfluxDB); a failure shows inside the box, so one unavailable chart leaves the rest of the page as it is.
 * @param {{entity: string, series: string, kind?: string, from: number, to: number, title?: string}} what window in ms
 * @param {object} options seriesChart options (threshold, eta, etaLow, etaHigh)
 */
function chartBox(what, options = {}) {
  const title = h('h3', {}, what.title || `${what.entity} · ${what.series}`);
  const box = h('div', { class: 'chart-box', 'data-entity': what.entity, 'data-series': what.series, 'aria-busy': 'true' },
    title, h('p', { class: 'muted' }, 'Loading chart…'));
  const from = Math.max(what.from, what.to - MAX_WINDOW_MS);
  const q = new URLSearchParams({ entity: what.entity, series: what.series, from: isoMs(from), to: isoMs(what.to) });
  if (what.kind === 'host' || what.kind === 'ci') q.set('kind', what.kind);
  api(`/series?${q}`).then(
    data => {
      const chart = seriesChart(data, { label: `${what.entity} ${what.series}`, ...options });
      box.replaceChildren(title, chart, chart.tagName === 'P' ? '' : chartLegend(data, options));
    },
    err => box.replaceChildren(title, h('p', { class: 'chart-error' }, `Chart unavailable: ${err.message}`)))
    .finally(() => box.removeAttribute('aria-busy'));
  return box;
}

/**
 * A "Chart" toggle for a table row: the first click inserts a row under it holding `makeChart()`, the next removes it.
 * @param {string} label accessible name of the button, e.g. "Chart of leak-host mem.used_percent"
 */
function chartToggle(label, makeChart, id) {
  return h('button', { type: 'button', class: 'secondary small', 'aria-expanded': 'false', 'aria-label': label, 'data-chart-id': id, onclick: e => {
    const button = e.currentTarget;
    const row = button.closest('tr');
    const open = row.nextElementSibling && row.nextElementSibling.classList.contains('chart-row');
    if (open) {
      row.nextElementSibling.remove();
      button.setAttribute('aria-expanded', 'false');
      button.textContent = 'Chart';
      return;
    }
    row.after(h('tr', { class: 'chart-row' }, h('td', { colspan: row.children.length }, makeChart())));
    button.setAttribute('aria-expanded', 'true');
    button.textContent = 'Hide chart';
  } }, 'Chart');
}

/** Clicks the chart toggles under `el` whose id is in `ids` (or all of them for "all"); the rows exist before `el` is shown. */
function openCharts(el, ids) {
  for (const b of el.querySelectorAll('button[data-chart-id]')) if (ids.has('all') || ids.has(b.dataset.chartId)) b.click();
  return el;
}

/** A prediction's trend: from 12 h before its first alert (or last update) to past the end of its ETA interval. */
function predictionChart(p) {
  const updated = Date.parse(p.updated);
  const end = Math.max(updated, Date.parse(p.etaHigh || p.eta || p.updated) || updated);
  const to = end + Math.max(3600_000, (end - updated) * 0.1);
  const from = Math.min(Date.parse(p.firstAlert) || updated, updated) - 12 * 3600_000;
  return chartBox({ entity: p.entity, series: p.series, kind: p.kind, from, to },
    { threshold: p.threshold, eta: p.eta, etaLow: p.etaLow, etaHigh: p.etaHigh, width: 900, height: 260 });
}

const byEta = (a, b) => new Date(a.eta || 8.64e15) - new Date(b.eta || 8.64e15);

// ---------------------------------------------------------------- Overview
async function overview() {
  const [incidents, predictions] = await load(['/incidents?state=active', '/predictions?state=open']);
  const soon = (predictions || []).filter(p => p.eta && new Date(p.eta) - new Date(p.updated) <= HORIZON_MS).sort(byEta);

  // Hosts at risk: CIs with a problem predicted in the next 24 h or a member of an open incident.
  const risk = new Map();
  const addRisk = (ci, why) => risk.set(ci, [...(risk.get(ci) || []), why]);
  for (const p of soon) addRisk(p.entity, `predicted: ${p.series} ≥ ${fmtNum(p.threshold)} at ${fmtTime(p.eta)}`);
  for (const i of incidents || []) for (const m of new Set(i.members.map(m => m.ci))) addRisk(m, `in incident ${i.id}`);

  return [
    h('h1', {}, 'Overview'),
    card('Open incidents', incidents === null ? h('p', { class: 'empty' }, 'Incidents unavailable.') : table([
      { title: 'Incident', cell: i => h('span', {}, link(`#/incidents/${enc(i.id)}`, i.id), h('br'), h('span', { class: 'muted' }, i.title)) },
      { title: 'Severity', cell: i => severity(i.severity) },
      { title: 'State', cell: i => state(i.state) },
      { title: 'Root CI', cell: i => link(`#/cmdb/${enc(i.rootCi)}`, i.rootCi) },
      { title: 'Members', num: true, cell: i => new Set(i.members.map(m => m.ci)).size },
      { title: 'Age', cell: i => h('span', { title: fmtTime(i.opened) }, ago(i.opened)) },
    ], incidents, 'No open incidents.', 'Open incidents')),
    card('Predicted problems in the next 24 h', predictions === null ? h('p', { class: 'empty' }, 'Predictions unavailable.')
      : table(predictionColumns, soon, 'No problems predicted in the next 24 h.', 'Predicted problems')),
    card('Hosts at risk', table([
      { title: 'CI', cell: ([ci]) => link(`#/hosts/${enc(ci)}`, ci) },
      { title: 'Why', cell: ([, why]) => why.join('; ') },
    ], [...risk.entries()].sort(), 'No hosts at risk.', 'Hosts at risk')),
  ];
}

// ---------------------------------------------------------------- Incident detail
async function incident(id) {
  const [i, relations] = await load([`/incidents/${enc(id)}`, '/relations']);
  if (!i) return [h('h1', {}, `Incident ${id}`), h('p', { class: 'empty' }, 'This incident could not be loaded.')];

  const act = async (action, body) => {
    clearError();
    try {
      await api(`/incidents/${enc(id)}/${action}`, { method: 'POST', body });
    } catch (e) {
      showError(e.message);
      return;
    }
    await render();
  };
  const comment = h('textarea', { id: 'comment-text', name: 'text', required: true });
  const commentForm = h('form', { class: 'inline', 'aria-label': 'Add a comment', onsubmit: e => {
    e.preventDefault();
    if (comment.value.trim()) act('comment', { text: comment.value.trim() });
  } }, h('label', { for: 'comment-text' }, 'Comment', comment), h('button', { type: 'submit' }, 'Add comment'));

  const memberCis = [...new Set(i.members.map(m => m.ci))];

  // One chart per member series over the incident's span with a margin on each side (a quarter of the span, at least
  // 30 min), so the build-up and the recovery are in view. A joint anomaly names its top series as "host:<series>".
  // A CI's own series come before those only named by its joint anomaly, which are often what moved least.
  const bySeries = new Map();
  for (const m of [...i.members].sort((a, b) => a.series.startsWith('host:') - b.series.startsWith('host:'))) {
    const series = m.series.replace(/^host:/, '');
    if (series.includes('.') && !bySeries.has(`${m.ci} ${series}`)) bySeries.set(`${m.ci} ${series}`, { ci: m.ci, series });
  }
  // Round robin over the CIs (each CI's first series, then each one's second, …), so the cap never hides a whole CI.
  const perCi = new Map();
  for (const m of bySeries.values()) perCi.set(m.ci, [...(perCi.get(m.ci) || []), m]);
  const memberSeries = [];
  for (let k = 0; memberSeries.length < bySeries.size; k++) for (const list of perCi.values()) if (list[k]) memberSeries.push(list[k]);
  const first = Math.min(...i.members.map(m => Date.parse(m.first)), Date.parse(i.opened));
  const last = Math.max(...i.members.map(m => Date.parse(m.last)), Date.parse(i.lastEvent));
  const margin = Math.max(30 * 60_000, (last - first) / 4);
  const shown = memberSeries.slice(0, MAX_INCIDENT_CHARTS);
  const charts = card(`Member series (${fmtTime(isoMs(first - margin))} – ${fmtTime(isoMs(last + margin))})`,
    shown.length ? h('div', { class: 'charts' }, shown.map(m => chartBox({ entity: m.ci, series: m.series, from: first - margin, to: last + margin })))
      : h('p', { class: 'empty' }, 'No member series to chart.'),
    memberSeries.length > shown.length ? h('p', { class: 'muted' }, `The first ${shown.length} of ${memberSeries.length} member series are shown.`) : null);
  const topScore = Math.max(1e-9, ...i.rootCauses.map(r => r.score));
  const notes = [];
  if (i.suppressed) notes.push(h('p', {}, 'Suppressed: every member is inside a maintenance window, so this incident does not page.'));
  for (const m of i.members.filter(m => m.maintenance)) notes.push(h('p', {}, `${m.ci} ${m.series}: maintenance ${m.maintenance}`));

  return [
    h('h1', {}, i.title || i.id),
    h('div', { class: 'meta' },
      h('span', {}, 'State ', h('span', { id: 'incident-state' }, state(i.state))),
      h('span', {}, 'Severity ', severity(i.severity)),
      h('span', {}, 'Root CI ', link(`#/cmdb/${enc(i.rootCi)}`, i.rootCi)),
      h('span', {}, `Opened ${fmtTime(i.opened)}`),
      h('span', {}, `Last event ${fmtTime(i.lastEvent)}`),
      i.resolved && h('span', {}, `Resolved ${fmtTime(i.resolved)}`),
      h('span', {}, `${i.events} events, ${i.reopens} reopens`),
      i.predicted && badge('predicted')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', disabled: i.state !== 'open', onclick: () => act('acknowledge') }, 'Acknowledge'),
      h('button', { type: 'button', class: 'secondary', disabled: i.state === 'resolved' || i.state === 'closed', onclick: () => act('resolve') }, 'Resolve'),
      commentForm),
    h('div', { class: 'grid' },
      card('Root-cause ranking', table([
        { title: 'Rank', num: true, cell: r => r.rank },
        { title: 'CI', cell: r => link(`#/cmdb/${enc(r.ci)}`, r.ci) },
        // Scores are unbounded: the bar is relative to the best candidate's score.
        { title: 'Score', cell: r => h('span', { class: 'score' }, h('span', { class: 'bar', style: `width:${Math.round(60 * r.score / topScore)}px` }), ' ', fmtNum(r.score)) },
        { title: 'Coverage', num: true, cell: r => fmtPct(r.coverage) },
        { title: 'Reported', cell: r => (r.reported ? 'yes' : 'no') },
        { title: 'Reason', cell: r => r.reason },
      ], i.rootCauses, 'No root-cause candidates.', 'Root-cause ranking')),
      card('Member CIs', relations ? memberGraph([...memberCis, ...i.rootCauses.slice(0, 3).map(r => r.ci)], i.rootCi, relations)
        : h('p', { class: 'empty' }, 'Relations unavailable.'))),
    charts,
    card('Members', table([
      { title: 'CI', cell: m => link(`#/hosts/${enc(m.ci)}`, m.ci) },
      { title: 'Series', cell: m => m.series },
      { title: 'Kind', cell: m => m.kind },
      { title: 'First', cell: m => fmtTime(m.first) },
      { title: 'Last', cell: m => fmtTime(m.last) },
      { title: 'Max score', num: true, cell: m => fmtNum(m.maxScore) },
      { title: 'Recovered', cell: m => (m.recovered ? 'yes' : 'no') },
    ], i.members, 'No members.', 'Members')),
    h('div', { class: 'grid' },
      card('Timeline', i.timeline.length ? h('ol', { class: 'timeline', 'aria-label': 'Timeline' }, i.timeline.map(t =>
        h('li', {}, h('span', { class: 'kind' }, t.kind), t.text, t.by ? h('span', { class: 'muted' }, ` — ${t.by}`) : null,
          h('br'), h('span', { class: 'muted' }, fmtTime(t.time))))) : h('p', { class: 'empty' }, 'No timeline entries.')),
      h('div', {},
        card('Ticket', i.ticket ? h('div', { id: 'ticket' },
          h('p', {}, `${i.ticket.ticketId || '(not yet created)'} — ${i.ticket.status}, ${i.ticket.deliveries} deliveries, synced revision ${i.ticket.syncedRevision}/${i.ticket.pendingRevision}`),
          i.ticket.lastError && h('p', { class: 'error' }, `Last error: ${i.ticket.lastError}`),
          i.ticket.history.length ? h('ol', { class: 'timeline', 'aria-label': 'Ticket history' }, i.ticket.history.map(x => h('li', {}, fmtTimesIn(x)))) : null)
          : h('p', { class: 'empty' }, 'No ticket (yet).')),
        card('Likely changes', i.likelyChanges.length ? h('ul', {}, i.likelyChanges.map(c => h('li', {}, c)))
          : h('p', { class: 'empty' }, 'No recent changes on the root CI.')),
        card('Maintenance', notes.length ? notes : h('p', { class: 'empty' }, 'Not suppressed; no member in maintenance.')))),
  ];
}

// ---------------------------------------------------------------- Predictions
async function predictions(query) {
  // #/predictions?chart=<prediction id> (repeatable, or "all") opens those trend charts at once: a bookmarkable view.
  const opened = new Set(new URLSearchParams(query).getAll('chart'));
  const [open, scorecard] = await load(['/predictions?state=open', '/predictions/scorecard']);
  const rows = scorecard ? [{ ...scorecard.overall, group: 'Overall', kind: 'overall' },
    ...scorecard.byMetric.map(r => ({ ...r, kind: 'metric' })), ...scorecard.byCiType.map(r => ({ ...r, kind: 'CI type' }))] : [];
  return [
    h('h1', {}, 'Predictions'),
    h('p', {}, 'What was predicted and what happened, with downloads (HTML, CSV, JSON, Markdown): ',
      link('#/reports', 'predicted-incidents report'), '.'),
    card('Open predictions', open === null ? h('p', { class: 'empty' }, 'Predictions unavailable.') : openCharts(
      table([...predictionColumns, { title: 'Trend', cell: p => chartToggle(`Chart of ${p.entity} ${p.series}`, () => predictionChart(p), p.id) }],
        [...open].sort(byEta), 'No open predictions.', 'Open predictions'), opened)),
    card('Scorecard', table([
      { title: 'Group', cell: r => r.kind === 'overall' ? h('strong', {}, 'Overall') : `${r.group} (${r.kind})` },
      { title: 'Predictions', num: true, cell: r => r.predictions },
      { title: 'Hits', num: true, cell: r => r.hits },
      { title: 'Early', num: true, cell: r => r.early },
      { title: 'Late', num: true, cell: r => r.late },
      { title: 'False alarms', num: true, cell: r => r.falseAlarms },
      { title: 'Pending', num: true, cell: r => r.pending },
      { title: 'Crossings', num: true, cell: r => r.crossings },
      { title: 'Missed', num: true, cell: r => r.missedCrossings },
      { title: 'Precision', num: true, cell: r => fmtPct(r.precision) },
      { title: 'Recall', num: true, cell: r => fmtPct(r.recall) },
      { title: 'Median lead', num: true, cell: r => minutes(r.medianLeadMinutes) },
      { title: 'Median ETA error', num: true, cell: r => minutes(r.medianEtaErrorMinutes) },
    ], rows, 'Scorecard unavailable.', 'Prediction scorecard')),
  ];
}

// ---------------------------------------------------------------- Hosts
async function hosts() {
  const [list] = await load(['/hosts']);
  return [h('h1', {}, 'Hosts'), card('Hosts', table([
    { title: 'Host', cell: x => link(`#/hosts/${enc(x.host)}`, x.host) },
    { title: 'Series', num: true, cell: x => x.series },
    { title: 'Points', num: true, cell: x => x.points },
    { title: 'Last seen', cell: x => fmtTime(x.lastSeen) },
  ], list || [], 'No hosts have sent data yet.', 'Hosts'))];
}

async function host(name) {
  const [x] = await load([`/hosts/${enc(name)}`]);
  if (!x) return [h('h1', {}, name), h('p', { class: 'empty' }, 'This host could not be loaded.')];
  return [h('h1', {}, x.host),
    h('div', { class: 'meta' }, h('span', {}, `${x.points} points`), h('span', {}, `last seen ${fmtTime(x.lastSeen)}`),
      h('span', {}, `${x.rejectedSeries} rejected series`), link(`#/cmdb/${enc(x.host)}`, 'CMDB record')),
    card('Series (latest values)', table([
      { title: 'Series', cell: s => s.series },
      { title: 'Latest value', num: true, cell: s => fmtNum(s.value, 3) },
      { title: 'At', cell: s => fmtTime(s.time) },
      { title: 'Samples', num: true, cell: s => s.count },
      { title: 'Rate /s', num: true, cell: s => fmtNum(s.ratePerSecond, 3) },
      // The 6 h up to the series' newest sample (event time, so replayed data charts too).
      { title: 'Chart', cell: s => chartToggle(`Chart of ${x.host} ${s.series}`, () => {
        const to = Date.parse(s.time) + 60_000;
        return chartBox({ entity: x.host, series: s.series, kind: 'host', from: to - 6 * 3600_000, to }, { width: 900, height: 240 });
      }) },
    ], x.series, 'No series yet.', 'Series'))];
}

// ---------------------------------------------------------------- CMDB
async function cmdb(query) {
  const type = new URLSearchParams(query).get('type') || '';
  const [cis] = await load(['/cis']);
  const all = cis || [];
  const types = [...new Set(all.map(c => c.type))].sort();
  const select = h('select', { id: 'ci-type', onchange: e => { location.hash = e.target.value ? `#/cmdb?type=${enc(e.target.value)}` : '#/cmdb'; } },
    h('option', { value: '' }, 'All types'), types.map(t => h('option', { value: t, selected: t === type }, t)));
  const shown = all.filter(c => !type || c.type === type).sort((a, b) => a.id.localeCompare(b.id));
  return [h('h1', {}, 'CMDB'),
    h('form', { class: 'inline', 'aria-label': 'Filter CIs', onsubmit: e => e.preventDefault() }, h('label', { for: 'ci-type' }, 'Type', select)),
    card(`Configuration items (${shown.length})`, table([
      { title: 'Id', cell: c => link(`#/cmdb/${enc(c.id)}`, c.id) },
      { title: 'Type', cell: c => c.type },
      { title: 'Name', cell: c => c.name },
      { title: 'Owner group', cell: c => c.ownerGroup || '—' },
      { title: 'Criticality', cell: c => c.criticality || '—' },
    ], shown, all.length ? 'No CI of this type.' : 'The CMDB is empty.', 'Configuration items'))];
}

async function ci(id) {
  const [c, impact, relations] = await load([`/cis/${enc(id)}`, `/cis/${enc(id)}/impact`, '/relations']);
  if (!c) return [h('h1', {}, id), h('p', { class: 'empty' }, 'This CI could not be loaded.')];
  const mine = (relations || []).filter(r => r.from === id || r.to === id);
  return [h('h1', {}, `${c.name} (${c.id})`),
    h('div', { class: 'meta' }, h('span', {}, `Type ${c.type}`), h('span', {}, `Owner ${c.ownerGroup || '—'}`),
      h('span', {}, `Criticality ${c.criticality || '—'}`), link(`#/hosts/${enc(c.id)}`, 'Host metrics')),
    h('div', { class: 'grid' },
      card('Attributes', table([{ title: 'Name', cell: a => a[0] }, { title: 'Value', cell: a => a[1] }],
        Object.entries(c.attributes || {}), 'No attributes.', 'Attributes')),
      card('Relations', table([
        { title: 'From', cell: r => link(`#/cmdb/${enc(r.from)}`, r.from) },
        { title: 'Type', cell: r => r.type },
        { title: 'To', cell: r => link(`#/cmdb/${enc(r.to)}`, r.to) },
      ], mine, 'No relations.', 'Relations'))),
    card(`Impact: CIs depending on ${c.id}${impact ? ` (${impact.count})` : ''}`, table([
      { title: 'Id', cell: x => link(`#/cmdb/${enc(x.id)}`, x.id) },
      { title: 'Type', cell: x => x.type },
      { title: 'Name', cell: x => x.name },
    ], impact ? impact.impacted : [], 'Nothing depends on this CI.', 'Impact'))];
}

// ---------------------------------------------------------------- Changes
async function changes() {
  const [list] = await load(['/changes']);
  const field = (label, input) => h('label', {}, label, input);
  const ciInput = h('input', { name: 'ci', required: true, placeholder: 'sw1' });
  const kind = h('select', { name: 'kind' }, h('option', { value: 'maintenance' }, 'maintenance'), h('option', { value: 'change' }, 'change'));
  const start = h('input', { name: 'start', type: 'datetime-local', required: true });
  const end = h('input', { name: 'end', type: 'datetime-local', required: true });
  const description = h('input', { name: 'description', placeholder: 'CHG0001 firmware upgrade' });
  const dependents = h('input', { name: 'includeDependents', type: 'checkbox', checked: true });
  // datetime-local has no zone: the form's times are UTC, like every time this UI shows.
  const utc = v => (v.length === 16 ? `${v}:00Z` : `${v}Z`);
  const form = h('form', { class: 'inline', 'aria-label': 'Add a change window', onsubmit: async e => {
    e.preventDefault();
    clearError();
    try {
      await api('/changes', { method: 'POST', body: { ci: ciInput.value.trim(), kind: kind.value, start: utc(start.value), end: utc(end.value),
        description: description.value, includeDependents: dependents.checked } });
    } catch (err) {
      showError(err.message);
      return;
    }
    await render();
  } },
  field('CI', ciInput), field('Kind', kind), field('Start (UTC)', start), field('End (UTC)', end), field('Description', description),
  h('label', {}, 'Include dependents', dependents), h('button', { type: 'submit' }, 'Add window'));
  return [h('h1', {}, 'Changes and maintenance'),
    card('Add a maintenance or change window', form),
    card('Windows', table([
      { title: 'CI', cell: w => link(`#/cmdb/${enc(w.ci)}`, w.ci) },
      { title: 'Kind', cell: w => w.kind },
      { title: 'Start', cell: w => fmtTime(w.start) },
      { title: 'End', cell: w => fmtTime(w.end) },
      { title: 'Description', cell: w => w.description },
      { title: 'Dependents', cell: w => (w.includeDependents ? 'included' : 'not included') },
      { title: 'By', cell: w => w.createdBy },
    ], list || [], 'No change or maintenance windows.', 'Change windows'))];
}

// ---------------------------------------------------------------- Reports
/** Default report window: the 7 days before now (rounded up to the minute, so what happened this minute is included). */
const REPORT_DAYS = 7;
/** A datetime-local value (minutes, no zone) read as UTC, like every time this UI shows. */
const toLocalInput = ms => new Date(ms).toISOString().slice(0, 16);
const fromLocalInput = v => (v ? (v.length === 16 ? `${v}:00Z` : `${v}Z`) : '');
const REPORT_FORMATS = [
  { format: 'html', label: 'HTML', ext: 'html' },
  { format: 'csv', label: 'CSV', ext: 'csv' },
  { format: 'json', label: 'JSON', ext: 'json' },
  { format: 'md', label: 'Markdown', ext: 'md' },
];

const minutes = v => (v == null ? '—' : `${fmtNum(v, 0)} min`);

async function reports(query) {
  const params = new URLSearchParams(query);
  const to = params.get('to') || toLocalInput(Math.ceil(Date.now() / 60000) * 60000);
  // A malformed `to` in the hash leaves `from` empty: the server then names what is wrong instead of the page failing.
  const toMs = Date.parse(fromLocalInput(to));
  const from = params.get('from') || (Number.isNaN(toMs) ? '' : toLocalInput(toMs - REPORT_DAYS * 24 * 3600 * 1000));
  const reportPath = (f, t, format) => {
    const q = new URLSearchParams({ format });
    if (f) q.set('from', fromLocalInput(f));
    if (t) q.set('to', fromLocalInput(t));
    return `/reports/predicted-incidents?${q}`;
  };
  const [report] = await load([reportPath(from, to, 'json')]);

  const fromInput = h('input', { id: 'report-from', name: 'from', type: 'datetime-local', value: from, required: true });
  const toInput = h('input', { id: 'report-to', name: 'to', type: 'datetime-local', value: to, required: true });
  // The window lives in the hash, so a preview can be bookmarked or shared.
  const form = h('form', { class: 'inline', 'aria-label': 'Report window', onsubmit: e => {
    e.preventDefault();
    location.hash = `#/reports?${new URLSearchParams({ from: fromInput.value, to: toInput.value })}`;
  } },
  h('label', { for: 'report-from' }, 'From (UTC)', fromInput), h('label', { for: 'report-to' }, 'To (UTC)', toInput),
  h('button', { type: 'submit' }, 'Preview'));

  // Downloads use the window in the inputs (what the user sees), even before Preview is pressed.
  const status = h('span', { id: 'download-status', class: 'muted', 'aria-live': 'polite' });
  const downloads = h('div', { class: 'actions', role: 'group', 'aria-label': 'Downloads' },
    REPORT_FORMATS.map(({ format, label, ext }) => h('button', { type: 'button', class: 'secondary', onclick: async () => {
      clearError();
      status.textContent = `Downloading ${label}…`;
      try {
        const name = await download(reportPath(fromInput.value, toInput.value, format), `predicted-incidents.${ext}`);
        status.textContent = `Saved ${name}.`;
      } catch (err) {
        status.textContent = '';
        showError(err.message);
      }
    } }, `Download ${label}`)),
    status);

  const summaryColumns = [
    { title: 'Group', cell: r => r.group },
    { title: 'Predictions', num: true, cell: r => r.predictions },
    { title: 'Hits', num: true, cell: r => r.hits },
    { title: 'Early', num: true, cell: r => r.early },
    { title: 'Late', num: true, cell: r => r.late },
    { title: 'False alarms', num: true, cell: r => r.falseAlarms },
    { title: 'Pending', num: true, cell: r => r.pending },
    { title: 'Precision', num: true, cell: r => fmtPct(r.precision) },
    { title: 'Recall (ledger)', num: true, cell: r => fmtPct(r.ledgerRecall) },
    { title: 'Median lead', num: true, cell: r => minutes(r.medianLeadMinutes) },
    { title: 'Median ETA error', num: true, cell: r => minutes(r.medianEtaErrorMinutes) },
  ];
  const unavailable = h('p', { class: 'empty' }, 'Report unavailable.');
  return [
    h('h1', {}, 'Predicted-incidents report'),
    card('Window and downloads', form, downloads,
      h('p', { class: 'muted' }, 'Predictions whose first alert lies in [from, to). CSV holds the prediction rows; HTML, JSON and Markdown also the summaries.')),
    report && h('div', { class: 'meta' }, h('span', {}, `From ${fmtTime(report.from)}`), h('span', {}, `to ${fmtTime(report.to)}`),
      h('span', {}, `generated ${fmtTime(report.generatedAt)}`), h('span', {}, `${report.rows.length} predictions`)),
    card('Predictions', report === null ? unavailable : table([
      { title: 'CI', cell: r => link(`#/hosts/${enc(r.entity)}`, r.entity) },
      { title: 'CI type', cell: r => r.ciType },
      { title: 'Series', cell: r => r.series },
      { title: 'Threshold', num: true, cell: r => fmtNum(r.threshold) },
      { title: 'First alert', cell: r => fmtTime(r.firstAlert) },
      { title: 'ETA', cell: r => fmtTime(r.eta) },
      { title: 'Probability', num: true, cell: r => fmtPct(r.probability) },
      { title: 'State', cell: r => r.state },
      { title: 'Grade', cell: r => r.grade },
      { title: 'Lead', num: true, cell: r => minutes(r.leadMinutes) },
      { title: 'ETA error', num: true, cell: r => minutes(r.etaErrorMinutes) },
      { title: 'Incident', cell: r => (r.incidentId ? link(`#/incidents/${enc(r.incidentId)}`, r.incidentId) : '—') },
      { title: 'Ticket', cell: r => r.ticketId || '—' },
    ], report.rows, 'No prediction has its first alert in this window.', 'Report predictions')),
    card('By CI type', report === null ? unavailable : table(summaryColumns, report.byCiType, 'No predictions.', 'Summary by CI type')),
    card('By metric', report === null ? unavailable : table(summaryColumns, report.byMetric, 'No predictions.', 'Summary by metric')),
  ];
}

// ---------------------------------------------------------------- Router
const routes = [
  [/^#?\/?$/, () => overview()],
  [/^#\/incidents\/(.+)$/, m => incident(decodeURIComponent(m[1]))],
  [/^#\/predictions(?:\?(.*))?$/, m => predictions(m[1] || '')],
  [/^#\/hosts$/, () => hosts()],
  [/^#\/hosts\/(.+)$/, m => host(decodeURIComponent(m[1]))],
  [/^#\/cmdb(?:\?(.*))?$/, m => cmdb(m[1] || '')],
  [/^#\/cmdb\/(.+)$/, m => ci(decodeURIComponent(m[1]))],
  [/^#\/changes$/, () => changes()],
  [/^#\/reports(?:\?(.*))?$/, m => reports(m[1] || '')],
];

async function render() {
  const hash = location.hash || '#/';
  for (const a of document.querySelectorAll('nav a')) {
    const target = a.getAttribute('href');
    a.classList.toggle('active', target === '#/' ? hash === '#/' || hash.startsWith('#/incidents') : hash.startsWith(target));
  }
  const route = routes.find(([re]) => re.test(hash));
  let content;
  try {
    content = route ? await route[1](hash.match(route[0])) : [h('h1', {}, 'Not found'), h('p', {}, `No page ${hash}.`)];
  } catch (e) {
    showError(e.message);
    content = [h('h1', {}, 'Error'), h('p', { class: 'empty' }, 'The page could not be rendered.')];
  }
  view.replaceChildren(...content);
  view.dataset.ready = hash; // lets tests (and scripts) know which route finished rendering
}

// The token (only needed with auth on) is kept in localStorage; Enter or leaving the field applies it and reloads the page.
const tokenInput = document.getElementById('token');
tokenInput.value = localStorage.getItem('aiops.token') || '';
function applyToken() {
  if (tokenInput.value === (localStorage.getItem('aiops.token') || '')) return;
  if (tokenInput.value) localStorage.setItem('aiops.token', tokenInput.value); else localStorage.removeItem('aiops.token');
  clearError();
  render();
}
document.getElementById('token-form').addEventListener('submit', e => { e.preventDefault(); applyToken(); });
tokenInput.addEventListener('change', applyToken);
window.addEventListener('hashchange', () => { clearError(); render(); });
render();
