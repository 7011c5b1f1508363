// Base64 arrays from the server (little-endian, as numpy's '<f4', '<f8', 'u1').

export function bytes(b64) {
  const text = atob(b64 || "");
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

export function float32(b64) {
  const b = bytes(b64);
  return new Float32Array(b.buffer, 0, b.byteLength / 4);
}

export function float64(b64) {
  const b = bytes(b64);
  return new Float64Array(b.buffer, 0, b.byteLength / 8);
}

/** [x0, y0, x1, y1, ...] and labels into [{x, y, label}]. */
export function points(xyB64, labelsB64) {
  const xy = float32(xyB64);
  const labels = float32(labelsB64);
  const out = new Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = { x: xy[2 * i], y: xy[2 * i + 1], label: labels[i] };
  return out;
}

/** The playground's epoch counter: six digits, zero padded, with thousands commas. */
export function formatEpoch(n) {
  const padded = String(n).padStart(6, "0");
  return padded.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function formatLoss(v) {
  return v === null || v === undefined ? "NaN" : v.toFixed(3);
}
