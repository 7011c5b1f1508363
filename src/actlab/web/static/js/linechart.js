// The loss chart: test loss (solid) and training loss (lighter) per run over all epochs.
// Histories grow by the slices each frame carries; drawing thins them to the canvas width.

export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.cssWidth = canvas.width;
    this.cssHeight = canvas.height;
    const dpr = window.devicePixelRatio || 1;
    canvas.style.width = `${this.cssWidth}px`;
    canvas.style.height = `${this.cssHeight}px`;
    canvas.width = this.cssWidth * dpr;
    canvas.height = this.cssHeight * dpr;
    this.reset([]);
  }

  /** Start over with one series pair per run colour. */
  reset(colors) {
    this.colors = colors;
    this.series = colors.map(() => ({ train: [], test: [] }));
    this.min = Infinity;
    this.max = -Infinity;
  }

  /** Put values for epochs start.. of run k (a frame's slice; overwrites what was there). */
  extend(k, start, train, test) {
    const s = this.series[k];
    if (!s) return;
    s.train.length = Math.min(s.train.length, start);
    s.test.length = Math.min(s.test.length, start);
    for (let i = 0; i < train.length; i++) {
      s.train.push(train[i]);
      s.test.push(test[i]);
      for (const v of [train[i], test[i]]) {
        if (Number.isFinite(v)) {
          if (v < this.min) this.min = v;
          if (v > this.max) this.max = v;
        }
      }
    }
  }

  draw() {
    const ctx = this.canvas.getContext("2d");
    const dpr = this.canvas.width / this.cssWidth;
    const w = this.cssWidth;
    const h = this.cssHeight;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const n = Math.max(0, ...this.series.map((s) => s.test.length));
    if (n < 2 || !Number.isFinite(this.min)) return;
    const span = this.max - this.min || 1;
    const x = (i) => 2 + (i / (n - 1)) * (w - 4);
    const y = (v) => 2 + (1 - (v - this.min) / span) * (h - 4);
    const stride = Math.max(1, Math.floor(n / (w * 2)));
    const compare = this.series.length > 1;
    this.series.forEach((s, k) => {
      const color = this.colors[k];
      this.line(ctx, s.train, x, y, stride, compare ? color : "#999999", compare ? 0.45 : 1, compare);
      this.line(ctx, s.test, x, y, stride, compare ? color : "#000000", 1, false);
    });
  }

  line(ctx, values, x, y, stride, color, alpha, dashed) {
    ctx.save();
    ctx.strokeStyle = color;
    ctx.globalAlpha = alpha;
    ctx.lineWidth = 1.5;
    ctx.setLineDash(dashed ? [4, 3] : []);
    ctx.beginPath();
    let drawing = false;
    const last = values.length - 1;
    for (let i = 0; i <= last; i = i < last && i + stride > last ? last : i + stride) {
      const v = values[i];
      if (!Number.isFinite(v)) { drawing = false; if (i === last) break; continue; }
      if (drawing) ctx.lineTo(x(i), y(v));
      else ctx.moveTo(x(i), y(v));
      drawing = true;
      if (i === last) break;
    }
    ctx.stroke();
    ctx.restore();
  }
}
