// The playground's colour scale: orange (negative) – near white (0) – blue (positive),
// clamped to [-1, 1]. Heatmaps use 31 quantized shades drawn at alpha 160, as the page does.

export const ORANGE = [245, 147, 34];   // #f59322
export const WHITE = [232, 234, 235];   // #e8eaeb
export const BLUE = [8, 119, 189];      // #0877bd
export const NAN_RGB = [205, 207, 210]; // cells whose value is not a number
const SHADES = 30;
const ALPHA = 160;

/** Continuous colour of a value, as [r, g, b]. */
export function rgb(value) {
  if (!Number.isFinite(value)) return NAN_RGB;
  const v = Math.max(-1, Math.min(1, value));
  const [from, to, t] = v < 0 ? [WHITE, ORANGE, -v] : [WHITE, BLUE, v];
  return from.map((c, i) => Math.round(c + (to[i] - c) * t));
}

export function css(value) {
  const [r, g, b] = rgb(value);
  return `rgb(${r},${g},${b})`;
}

/** The colour of shade i (0..30) of the quantized scale. */
function shade(i) {
  return rgb((i / SHADES) * 2 - 1);
}

/** Decode a heatmap byte (0 = NaN, 1..255 = value in [-1, 1], 128 = 0). */
export function byteValue(q) {
  return q === 0 ? NaN : (q - 128) / 127;
}

function buildLut(discretize) {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let q = 0; q < 256; q++) {
    let color;
    if (q === 0) {
      color = NAN_RGB;
    } else if (discretize) {
      color = q >= 128 ? BLUE : ORANGE;
    } else {
      const v = byteValue(q);
      color = shade(Math.min(SHADES, Math.floor(((v + 1) / 2) * (SHADES + 1))));
    }
    lut.set([...color, ALPHA], q * 4);
  }
  return lut;
}

const LUTS = { false: buildLut(false), true: buildLut(true) };

/** Colour a square canvas from heatmap bytes (n*n cells from `offset`). */
export function paintHeatmap(canvas, bytes, offset, n, discretize) {
  if (canvas.width !== n) { canvas.width = n; canvas.height = n; }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(n, n);
  const lut = LUTS[Boolean(discretize)];
  const px = image.data;
  for (let i = 0; i < n * n; i++) {
    const q = bytes[offset + i] * 4;
    px[i * 4] = lut[q];
    px[i * 4 + 1] = lut[q + 1];
    px[i * 4 + 2] = lut[q + 2];
    px[i * 4 + 3] = lut[q + 3];
  }
  ctx.putImageData(image, 0, 0);
}

/** Line colours of the runs in compare mode (the first is the main run). */
export const RUN_COLORS = ["#222222", "#8e44ad", "#16a085", "#c0392b"];
