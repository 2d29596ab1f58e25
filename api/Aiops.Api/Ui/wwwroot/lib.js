// Small shared helpers: the API client (problem details -> Error), a DOM builder, formatting.

/** The headers every call sends: who acts (for the timeline) and the token when one is set. */
function baseHeaders(extra) {
  const headers = { 'Accept': 'application/json', 'X-Aiops-User': 'web-ui', ...(extra || {}) };
  const token = localStorage.getItem('aiops.token');
  if (token) headers['Authorization'] = `Token ${token}`;
  return headers;
}

/** The problem details' `detail` (or title, or the raw text) of a failed response, for the alert box. */
function failure(method, path, response, text) {
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: the raw text is shown */ }
  const detail = json && (json.detail || json.title);
  return new Error(`${method} ${path} failed (${response.status}): ${detail || text || response.statusText}`);
}

/** Calls /api/v1{path}; throws an Error whose message is the problem details' `detail` (or the status line). */
export async function api(path, options = {}) {
  const headers = baseHeaders(options.headers);
  let body = options.body;
  if (body !== undefined && typeof body !== 'string') {
    body = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, { method: options.method || 'GET', headers, body });
  } catch (e) {
    throw new Error(`Cannot reach the server (${path}): ${e.message}`);
  }
  const text = await response.text();
  if (!response.ok) throw failure(options.method || 'GET', path, response, text);
  try { return text ? JSON.parse(text) : null; } catch { return null; /* a success without a JSON body */ }
}

/**
 * Downloads /api/v1{path} as a file named by the answer's Content-Disposition, else `fallbackName`. A plain link cannot
 * send the Authorization header, so the file is fetched (with the token), turned into a Blob and saved through a
 * temporary object URL and `a[download]`. Throws like api() when the server refuses.
 */
export async function download(path, fallbackName) {
  let response;
  try {
    response = await fetch(`/api/v1${path}`, { headers: baseHeaders({ 'Accept': '*/*' }) });
  } catch (e) {
    throw new Error(`Cannot reach the server (${path}): ${e.message}`);
  }
  if (!response.ok) throw failure('GET', path, response, await response.text());
  const blob = await response.blob();
  const disposition = response.headers.get('Content-Disposition') || '';
  const named = /filename\*=UTF-8''([^;]+)/i.exec(disposition) || /filename="?([^";]+)"?/i.exec(disposition);
  const name = named ? decodeURIComponent(named[1]) : fallbackName;
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers; the Blob is small, so it is released a minute later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

/** Builds an element: h('a', {href: '#/'}, 'text', child). Strings become text nodes (never HTML). */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A table with a header row, or the empty-state sentence when there are no rows. */
export function table(columns, rows, empty, label) {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  return h('table', { 'aria-label': label },
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.title)))),
    h('tbody', {}, rows.map(r => h('tr', {}, columns.map(c => h('td', { class: c.num ? 'num' : null }, c.cell(r)))))));
}

export const link = (href, text) => h('a', { href }, text);
export const badge = (text, cls) => h('span', { class: `badge ${cls || ''}` }, text);
export const card = (title, ...children) => h('section', { class: 'card' }, h('h2', {}, title), ...children);

/** "2026-11-25 18:40 UTC": event times are UTC on the server; showing UTC keeps them comparable with logs. */
export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** A duration in ms as "3 h 20 min", "2 d 4 h", "45 s". */
export function fmtDuration(ms) {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${m % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export const fmtPct = p => (p === null || p === undefined) ? '—' : `${Math.round(p * 100)} %`;
/** At most `digits` decimals, trailing zeros dropped (like .NET "0.##"). */
export const fmtNum = (v, digits = 2) => (v === null || v === undefined) ? '—' : String(Number(Number(v).toFixed(digits)));
export const enc = encodeURIComponent;
