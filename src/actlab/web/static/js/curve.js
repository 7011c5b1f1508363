// The chosen activation's f and f' on [-5, 5], sampled by the server from the registry.
// In compare mode the other runs' f are drawn faintly in their colours.

const SVG_NS = "http://www.w3.org/2000/svg";
const PAD = { left: 26, right: 6, top: 6, bottom: 18 };

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.append(node);
  return node;
}

function yRange(curves) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of curves) {
    for (const v of [...c.f, ...c.df]) {
      if (v !== null && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
  }
  lo = Math.max(-5, Math.min(lo, -0.5));
  hi = Math.min(5, Math.max(hi, 1.2));
  return [lo, hi];
}

function path(xs, ys, sx, sy, [lo, hi]) {
  let d = "";
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    const v = ys[i];
    if (v === null || !Number.isFinite(v) || v < lo || v > hi) { pen = false; continue; }
    d += `${pen ? "L" : "M"}${sx(xs[i]).toFixed(1)},${sy(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** Draw curves[0] (f solid, f' dashed) and the others' f in `colors`. */
export function drawCurves(svg, curves, colors) {
  svg.replaceChildren();
  if (!curves.length) return;
  const w = Number(svg.getAttribute("width"));
  const h = Number(svg.getAttribute("height"));
  const [lo, hi] = yRange(curves.slice(0, 1));
  const sx = (x) => PAD.left + ((x + 5) / 10) * (w - PAD.left - PAD.right);
  const sy = (y) => PAD.top + (1 - (y - lo) / (hi - lo)) * (h - PAD.top - PAD.bottom);
  const axes = el("g", { class: "curve-axes" }, svg);
  el("line", { x1: sx(-5), x2: sx(5), y1: sy(0), y2: sy(0) }, axes);
  el("line", { x1: sx(0), x2: sx(0), y1: sy(lo), y2: sy(hi) }, axes);
  for (const x of [-4, -2, 2, 4]) {
    el("line", { x1: sx(x), x2: sx(x), y1: sy(0) - 2, y2: sy(0) + 2 }, axes);
    const t = el("text", { x: sx(x), y: h - 4, "text-anchor": "middle" }, axes);
    t.textContent = String(x);
  }
  for (const y of [Math.ceil(lo), Math.floor(hi)]) {
    if (y === 0) continue;
    el("line", { x1: sx(0) - 2, x2: sx(0) + 2, y1: sy(y), y2: sy(y) }, axes);
    const t = el("text", { x: PAD.left - 4, y: sy(y) + 3, "text-anchor": "end" }, axes);
    t.textContent = String(y);
  }
  curves.slice(1).forEach((c, i) => {
    el("path", { d: path(c.x, c.f, sx, sy, [lo, hi]), class: "curve-other", stroke: colors[i + 1] }, svg);
  });
  const main = curves[0];
  el("path", { d: path(main.x, main.df, sx, sy, [lo, hi]), class: "curve-df" }, svg);
  el("path", { d: path(main.x, main.f, sx, sy, [lo, hi]), class: "curve-f" }, svg);
}
