// Time-series charts as plain SVG (no library, works offline): UTC time axis, value axis, the series line (broken at
// gaps), the forecast band, a threshold line, a shaded ETA interval, anomaly markers and a hover read-out.
import { h, fmtNum } from './lib.js';

const MINUTE = 60_000, HOUR = 60 * MINUTE, DAY = 24 * HOUR;
/** Time tick spacings, smallest first; the first giving at most `maxTicks` ticks is used. */
const TIME_STEPS = [MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR,
  6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY];

/**
 * Round value ticks covering [min, max]: a step of 1, 2 or 5 × 10^k giving at most `count` + 1 ticks, from the
 * first multiple of the step at or below min to the first at or above max.
 * @returns {{ticks: number[], min: number, max: number, step: number}}
 */
export function niceTicks(min, max, count = 5) {
  if (!(max > min)) { const pad = Math.abs(min) * 0.1 || 1; min -= pad; max += pad; }
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= raw);
  const lo = Math.floor(min / step) * step, hi = Math.ceil(max / step) * step;
  const ticks = [];
  // Rounded to the step's decimals so 0.1 + 0.2 prints as 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toFixed(decimals)));
  return { ticks, min: lo, max: hi, step };
}

/**
 * UTC time ticks in [fromMs, toMs]: multiples of the smallest spacing in TIME_STEPS giving at most `maxTicks` ticks.
 * Multiples of the epoch are whole UTC minutes/hours/days, as UTC has no offset.
 * @returns {{ticks: number[], step: number}}
 */
export function timeTicks(fromMs, toMs, maxTicks = 8) {
  const step = TIME_STEPS.find(s => (toMs - fromMs) / s <= maxTicks) || Math.ceil((toMs - fromMs) / maxTicks / DAY) * DAY;
  const ticks = [];
  for (let t = Math.ceil(fromMs / step) * step; t <= toMs; t += step) ticks.push(t);
  return { ticks, step };
}

/**
 * A value tick: large values with an SI suffix (k, M, G, T; bytes of memory would not fit the margin otherwise), with
 * as many decimals as the tick spacing needs so neighbouring ticks never print alike. `scale` (the axis' largest
 * magnitude) picks the suffix, so one axis uses one suffix throughout.
 */
export function fmtAxis(v, step, scale = Math.abs(v)) {
  const a = Math.max(Math.abs(scale), Math.abs(step));
  const [unit, suffix] = a >= 1e12 ? [1e12, 'T'] : a >= 1e9 ? [1e9, 'G'] : a >= 1e6 ? [1e6, 'M'] : a >= 1e4 ? [1e3, 'k'] : [1, ''];
  const decimals = Math.min(6, Math.max(0, -Math.floor(Math.log10(step / unit) + 1e-9)));
  const n = Number((v / unit).toFixed(decimals));
  return n === 0 ? '0' : `${n}${suffix}`;
}

/** "18:40", or "11-25 18:40" when the ticks are days apart or the window spans days (all UTC). */
export function fmtTick(ms, spanMs) {
  const iso = new Date(ms).toISOString();
  return spanMs > DAY ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

/**
 * Splits points into runs without gaps, so missing data shows as a break in the line instead of a straight line across
 * it. Empty buckets are left out by the API, and a series sampled less often than the bucket width leaves some empty
 * anyway: a gap is more than 2.5 times the larger of the bucket width and the median spacing of the points.
 */
export function segments(points, stepMs) {
  const spacing = points.slice(1).map((p, i) => p.t - points[i].t).sort((a, b) => a - b);
  const typical = Math.max(stepMs, spacing.length ? spacing[Math.floor(spacing.length / 2)] : 0);
  const runs = [];
  let run = [];
  for (const p of points) {
    if (run.length && p.t - run[run.length - 1].t > 2.5 * typical) { runs.push(run); run = []; }
    run.push(p);
  }
  if (run.length) runs.push(run);
  return runs;
}

/**
 * Draws one series (the answer of GET /api/v1/series) as an SVG chart, or an empty-state paragraph when InfluxDB holds
 * no value of it in the window.
 * @param {object} data the API answer: from, to, stepSeconds, points, anomalies, episodes, forecast
 * @param {{threshold?: number, eta?: string, etaLow?: string, etaHigh?: string, width?: number, height?: number, label?: string}} options
 */
export function seriesChart(data, options = {}) {
  const width = options.width || 560, height = options.height || 220;
  const m = { top: 12, right: 14, bottom: 34, left: 52 };
  const from = Date.parse(data.from), to = Date.parse(data.to), stepMs = data.stepSeconds * 1000;
  const label = options.label || `${data.entity} ${data.series}`;
  const points = data.points.map(p => ({ t: Date.parse(p.time), v: p.value }));
  const band = data.forecast.map(f => ({ t: Date.parse(f.time), lo: f.lower, v: f.predicted, hi: f.upper }));
  if (!points.length && !band.length) {
    return h('p', { class: 'empty chart-empty' }, `No data in InfluxDB for ${label} in this window.`);
  }

  const values = [...points.map(p => p.v), ...band.flatMap(b => [b.lo, b.hi]), ...data.anomalies.map(a => a.value)];
  if (options.threshold !== undefined && options.threshold !== null) values.push(options.threshold);
  const y = niceTicks(Math.min(...values), Math.max(...values));
  const { ticks: xTicks } = timeTicks(from, to);
  const plotW = width - m.left - m.right, plotH = height - m.top - m.bottom;
  const sx = t => m.left + ((t - from) / (to - from)) * plotW;
  const sy = v => m.top + (1 - (v - y.min) / (y.max - y.min)) * plotH;
  const inside = t => t >= from && t <= to;
  const xy = (t, v) => `${sx(t).toFixed(1)},${sy(v).toFixed(1)}`;

  const svg = h('svg:svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `Chart of ${label}`, 'data-series': data.series, 'data-entity': data.entity });
  const clipId = `clip-${Math.random().toString(36).slice(2, 10)}`;
  svg.append(h('svg:defs', {}, h('svg:clipPath', { id: clipId }, h('svg:rect', { x: m.left, y: m.top, width: plotW, height: plotH }))));
  const plot = h('svg:g', { 'clip-path': `url(#${clipId})` });

  // Axes and grid.
  for (const v of y.ticks) {
    svg.append(h('svg:line', { class: 'grid', x1: m.left, x2: m.left + plotW, y1: sy(v), y2: sy(v) }),
      h('svg:text', { class: 'tick y', x: m.left - 6, y: sy(v) + 4, 'text-anchor': 'end' }, fmtAxis(v, y.step, Math.max(Math.abs(y.min), Math.abs(y.max)))));
  }
  for (const t of xTicks) {
    svg.append(h('svg:line', { class: 'grid', x1: sx(t), x2: sx(t), y1: m.top, y2: m.top + plotH }),
      h('svg:text', { class: 'tick x', x: sx(t), y: m.top + plotH + 15, 'text-anchor': 'middle' }, fmtTick(t, to - from)));
  }
  svg.append(h('svg:rect', { class: 'frame', x: m.left, y: m.top, width: plotW, height: plotH }),
    h('svg:text', { class: 'axis-label', x: m.left + plotW, y: height - 3, 'text-anchor': 'end' }, 'UTC'));

  // ETA interval shaded, ETA marked.
  if (options.etaLow && options.etaHigh) {
    const lo = Math.max(from, Date.parse(options.etaLow)), hi = Math.min(to, Date.parse(options.etaHigh));
    if (hi > lo) {
      plot.append(h('svg:rect', { class: 'eta-interval', x: sx(lo), y: m.top, width: sx(hi) - sx(lo), height: plotH },
        h('svg:title', {}, `ETA interval ${options.etaLow} – ${options.etaHigh}`)));
    }
  }
  if (options.eta && inside(Date.parse(options.eta))) {
    const x = sx(Date.parse(options.eta));
    plot.append(h('svg:line', { class: 'eta', x1: x, x2: x, y1: m.top, y2: m.top + plotH }, h('svg:title', {}, `ETA ${options.eta}`)));
  }

  // Forecast band and its predicted line.
  if (band.length) {
    const d = `M${band.map(b => xy(b.t, b.hi)).join('L')}L${[...band].reverse().map(b => xy(b.t, b.lo)).join('L')}Z`;
    plot.append(h('svg:path', { class: 'forecast-band', d }, h('svg:title', {}, 'Forecast band (lower – upper)')),
      h('svg:path', { class: 'forecast', d: `M${band.map(b => xy(b.t, b.v)).join('L')}` }));
  }

  // Threshold.
  if (options.threshold !== undefined && options.threshold !== null) {
    plot.append(h('svg:line', { class: 'threshold', x1: m.left, x2: m.left + plotW, y1: sy(options.threshold), y2: sy(options.threshold) },
      h('svg:title', {}, `Threshold ${fmtNum(options.threshold)}`)));
    // Labelled at the left: the ETA interval and the forecast lie on the right, where the series approaches it.
    svg.append(h('svg:text', { class: 'threshold-label', x: m.left + 4, y: sy(options.threshold) - 4 }, `threshold ${fmtNum(options.threshold)}`));
  }

  // The series.
  if (points.length) {
    const d = segments(points, stepMs).map(run => `M${run.map(p => xy(p.t, p.v)).join('L')}`).join('');
    plot.append(h('svg:path', { class: 'line', d }));
  }

  // Anomalies: flagged buckets as dots on the line, episode onsets as triangles just above the line at their time (an
  // episode's value is not always the series' value: a joint anomaly carries the top series' share of the error).
  const valueAt = (t, fallback) => (points.length
    ? points.reduce((best, q) => (Math.abs(q.t - t) < Math.abs(best.t - t) ? q : best), points[0]).v : fallback);
  for (const a of data.anomalies) {
    const t = Date.parse(a.time);
    plot.append(h('svg:circle', { class: 'anomaly mark', cx: sx(t), cy: sy(a.value), r: 4 },
      h('svg:title', {}, `Anomaly ${a.time.slice(0, 16).replace('T', ' ')} UTC: score ${fmtNum(a.score)}, value ${fmtNum(a.value)} (${a.points} points)`)));
  }
  for (const e of data.episodes) {
    const t = Date.parse(e.time);
    if (!inside(t)) continue;
    const x = sx(t), yy = Math.min(Math.max(sy(valueAt(t, e.value)), m.top + 11), m.top + plotH);
    plot.append(h('svg:path', { class: 'anomaly episode', d: `M${x - 6},${yy - 10}L${x + 6},${yy - 10}L${x},${yy - 1}Z` },
      h('svg:title', {}, `Anomaly episode from ${e.time.slice(0, 16).replace('T', ' ')} UTC (${e.detector}): score ${fmtNum(e.score)}, value ${fmtNum(e.value)}`)));
  }
  // Hover: the nearest point's time and value. The catcher lies under the plot, so markers keep their own tooltips.
  if (points.length) {
    const dot = h('svg:circle', { class: 'hover-dot', r: 3.5, visibility: 'hidden' });
    const text = h('svg:text', { class: 'hover-text', x: m.left + 6, y: m.top + 13, visibility: 'hidden' });
    svg.append(h('svg:rect', { class: 'hover-catcher', x: m.left, y: m.top, width: plotW, height: plotH,
      onmousemove: ev => {
        const box = svg.getBoundingClientRect();
        const t = from + ((ev.clientX - box.left) * (width / box.width) - m.left) / plotW * (to - from);
        const p = points.reduce((best, q) => (Math.abs(q.t - t) < Math.abs(best.t - t) ? q : best), points[0]);
        dot.setAttribute('cx', sx(p.t)); dot.setAttribute('cy', sy(p.v));
        text.textContent = `${new Date(p.t).toISOString().slice(0, 16).replace('T', ' ')} UTC  ${fmtNum(p.v, 3)}`;
        dot.setAttribute('visibility', 'visible'); text.setAttribute('visibility', 'visible');
      },
      onmouseleave: () => { dot.setAttribute('visibility', 'hidden'); text.setAttribute('visibility', 'hidden'); } }));
    svg.append(plot, dot, text);
  } else {
    svg.append(plot);
  }
  return svg;
}

/** The step as "10 s", "5 min", "1 h", "1 d". */
const fmtStep = s => (s % 86400 === 0 ? `${s / 86400} d` : s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`);

/** A one-line legend naming what the chart of `data` (with the same `options`) draws, and the bucket width. */
export function chartLegend(data, options = {}) {
  const items = [['line', `mean per ${fmtStep(data.stepSeconds)}`]];
  if (data.forecast.length) items.push(['forecast-band', 'forecast band']);
  if (options.threshold !== undefined && options.threshold !== null) items.push(['threshold', 'threshold']);
  if (options.etaLow && options.etaHigh) items.push(['eta-interval', 'ETA interval']);
  if (options.eta) items.push(['eta', 'ETA']);
  if (data.anomalies.length) items.push(['mark', 'flagged anomaly']);
  if (data.episodes.length) items.push(['episode', 'anomaly episode onset']);
  return h('p', { class: 'legend' }, items.map(([cls, text]) => h('span', {}, h('span', { class: `swatch ${cls}` }), text)));
}
