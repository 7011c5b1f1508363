// The big output heatmap over [-6, 6]²: a canvas of server-computed cells, the data points
// on top, axes below and right, and a message in place of the colours when a run diverged.

import { paintHeatmap, rgb } from "./colors.js";

const DOMAIN = 6;
const SVG_NS = "http://www.w3.org/2000/svg";

export class HeatmapView {
  constructor(container, size = 300) {
    this.size = size;
    container.replaceChildren();
    const frame = document.createElement("div");
    frame.className = "heatmap-frame";
    frame.style.width = `${size}px`;
    frame.style.height = `${size}px`;
    this.background = document.createElement("canvas");
    this.background.className = "heatmap-cells";
    this.dots = document.createElement("canvas");
    this.dots.className = "heatmap-points";
    const dpr = window.devicePixelRatio || 1;
    this.dots.width = size * dpr;
    this.dots.height = size * dpr;
    this.overlay = document.createElement("div");
    this.overlay.className = "heatmap-overlay hidden";
    this.caption = document.createElement("div");
    this.caption.className = "heatmap-caption hidden";
    frame.append(this.background, this.dots, this.overlay, this.caption);
    container.append(frame, this.axes(size));
    this.train = [];
    this.test = [];
  }

  axes(size) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", "heatmap-axes");
    svg.setAttribute("width", size + 28);
    svg.setAttribute("height", size + 22);
    const scale = (v) => ((v + DOMAIN) / (2 * DOMAIN)) * size;
    const line = (x1, y1, x2, y2) => {
      const l = document.createElementNS(SVG_NS, "line");
      Object.entries({ x1, y1, x2, y2 }).forEach(([k, v]) => l.setAttribute(k, v));
      svg.append(l);
    };
    const text = (x, y, s, anchor) => {
      const t = document.createElementNS(SVG_NS, "text");
      t.setAttribute("x", x);
      t.setAttribute("y", y);
      t.setAttribute("text-anchor", anchor);
      t.textContent = s;
      svg.append(t);
    };
    line(0, size + 0.5, size, size + 0.5);
    line(size + 0.5, 0, size + 0.5, size);
    for (let v = -DOMAIN; v <= DOMAIN; v += 1) {
      const p = scale(v);
      line(p, size, p, size + 4);
      line(size, size - p, size + 4, size - p);
      if (v % 2 === 0) {
        text(p, size + 16, String(v), "middle");
        text(size + 7, size - p + 3.5, String(v), "start");
      }
    }
    return svg;
  }

  setPoints(train, test) {
    this.train = train;
    this.test = test;
  }

  /** Heatmap bytes (n*n), the points, and an optional divergence message. */
  draw(cells, n, { discretize, showTest, message, caption }) {
    paintHeatmap(this.background, cells, 0, n, discretize);
    this.overlay.textContent = message || "";
    this.overlay.classList.toggle("hidden", !message);
    this.caption.textContent = caption || "";
    this.caption.classList.toggle("hidden", !caption);
    this.drawPoints(showTest);
  }

  drawPoints(showTest) {
    const ctx = this.dots.getContext("2d");
    const dpr = this.dots.width / this.size;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.size, this.size);
    const place = (v) => ((v + DOMAIN) / (2 * DOMAIN)) * this.size;
    const dot = (p, stroke) => {
      if (Math.abs(p.x) > DOMAIN || Math.abs(p.y) > DOMAIN) return;
      const [r, g, b] = rgb(p.label);
      ctx.beginPath();
      ctx.arc(place(p.x), this.size - place(p.y), 3, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fill();
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 1;
      ctx.stroke();
    };
    for (const p of this.train) dot(p, "#ffffff");
    if (showTest) for (const p of this.test) dot(p, "rgba(0,0,0,0.7)");
  }
}
