// The incident's member CIs and root as a small layered SVG graph (no library): the root on the left, every other
// CI placed by its hop distance from the root over the CMDB relations among these CIs.
import { h } from './lib.js';

/**
 * @param {string[]} cis the CIs to draw (members and root-cause candidates)
 * @param {string} root the root CI (highlighted)
 * @param {{from:string,to:string,type:string}[]} relations all CMDB relations; only those between drawn CIs are used
 */
export function memberGraph(cis, root, relations) {
  const nodes = [...new Set([root, ...cis])].filter(Boolean);
  const inGraph = new Set(nodes);
  const edges = relations.filter(r => inGraph.has(r.from) && inGraph.has(r.to) && r.from !== r.to);
  const neighbours = new Map(nodes.map(n => [n, []]));
  for (const e of edges) { neighbours.get(e.from).push(e.to); neighbours.get(e.to).push(e.from); }

  // Breadth-first hop distance from the root; CIs not connected to it go to a last column of their own.
  const depth = new Map([[root, 0]]);
  const queue = [root];
  while (queue.length) {
    const n = queue.shift();
    for (const m of neighbours.get(n) || []) if (!depth.has(m)) { depth.set(m, depth.get(n) + 1); queue.push(m); }
  }
  const maxDepth = Math.max(0, ...depth.values());
  for (const n of nodes) if (!depth.has(n)) depth.set(n, maxDepth + 1);
  const columns = [];
  for (const n of nodes) (columns[depth.get(n)] ||= []).push(n);

  const colWidth = 170, rowHeight = 34, boxW = 130, boxH = 24, pad = 10;
  const rows = Math.max(...columns.map(c => (c || []).length));
  const width = columns.length * colWidth + pad, height = rows * rowHeight + pad;
  const pos = new Map();
  columns.forEach((col, x) => (col || []).sort().forEach((n, y) => {
    // Centre shorter columns vertically so edges fan out from the root.
    const offset = (rows - col.length) * rowHeight / 2;
    pos.set(n, { x: pad + x * colWidth, y: pad + offset + y * rowHeight });
  }));

  const svg = h('svg:svg', { class: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `Member CIs of the incident and their relations; root ${root}` });
  for (const e of edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    const [l, r] = a.x <= b.x ? [a, b] : [b, a];
    svg.append(h('svg:line', { class: 'edge', x1: l.x + boxW, y1: l.y + boxH / 2, x2: r.x, y2: r.y + boxH / 2 },
      h('svg:title', {}, `${e.from} ${e.type} ${e.to}`)));
  }
  for (const n of nodes) {
    const p = pos.get(n);
    const label = n.length > 18 ? n.slice(0, 17) + '…' : n;
    svg.append(h('svg:g', { 'data-ci': n },
      h('svg:rect', { class: n === root ? 'node root' : 'node', x: p.x, y: p.y, width: boxW, height: boxH, rx: 4 }),
      h('svg:text', { x: p.x + 8, y: p.y + 16 }, label),
      h('svg:title', {}, n === root ? `${n} (root)` : n)));
  }
  return svg;
}
