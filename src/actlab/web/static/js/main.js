// The page: connects to the server, keeps the URL hash in step with the run, and draws
// what the server sends. No training happens here.

import { RUN_COLORS, paintHeatmap } from "./colors.js";
import {
  ClassroomBuilder, applyHidden, bindControls, buildControls, clearInlineErrors, fillSpeeds,
  neuronsChange, showConfig, showInlineError, showParams,
} from "./controls.js";
import { drawCurves } from "./curve.js";
import { bytes, float32, float64, formatEpoch, formatLoss, points } from "./decode.js";
import { HeatmapView } from "./heatmap.js";
import { LossChart } from "./linechart.js";
import { FEATURE_LABELS, NetworkView } from "./network.js";
import { DatasetPicker } from "./thumbnails.js";

const $ = (id) => document.getElementById(id);
const HEATMAP_CELLS = 100;

const state = {
  limits: null,
  fields: null, // the constraint table's fields by name (GET /api/fields)
  catalog: [],
  config: null,
  hash: null,
  runs: [],
  features: [],
  nodeSize: 20,
  speed: 60,
  playing: false,
  latest: null,
  pendingConfig: null,
  layoutMsg: null,
  scheduled: false,
  inspect: null,
};
// Counters for tests and benchmarks.
const stats = { frames: 0, rendered: 0, epoch: 0, connected: false, errors: [], notices: [], exports: [] };
window.actlab = { state, stats, receive: (msg) => handle(msg) };

let socket = null;
let retries = 0;
let statusTimer = null;
let lastFrameAt = 0;
const WAITING = "waiting for the engine… (after an update, its first run compiles the training kernel, which can take a minute)";

// ------------------------------------------------------------------ views
const heatmap = new HeatmapView($("heatmap"), 300);
const chart = new LossChart($("linechart").querySelector("canvas"));
const pickers = new DatasetPicker($("datasets"), (name, problem) => {
  const field = problem === "classification" ? "dataset" : "reg_dataset";
  if (state.config && state.config[field] === name && state.config.problem === problem) return;
  send({ type: "set", changes: { [field]: name, problem } });
});
const network = new NetworkView($("network"), {
  toggleFeature(id) {
    const enabled = state.config.features;
    const next = enabled.includes(id) ? enabled.filter((f) => f !== id) : [...enabled, id];
    send({ type: "set", changes: { features: state.features.filter((f) => next.includes(f)) } });
  },
  neurons(layer, delta) {
    const changes = neuronsChange(state.config, layer, delta, state.limits.max_neurons);
    if (changes) send({ type: "set", changes });
  },
  inspect(node) {
    state.inspect = node;
    send({ type: "inspect", node });
  },
  edit(target, value, event) {
    openEditor(target, value, event);
  },
  hover(text, event) {
    const card = $("hovercard");
    if (!text) { card.style.display = "none"; return; }
    card.textContent = text;
    card.style.left = `${event.clientX + 14}px`;
    card.style.top = `${event.clientY + 10}px`;
    card.style.display = "block";
  },
});

// ------------------------------------------------------------------ connection
function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const hash = location.hash.slice(1);
  const query = hash ? `?url=${encodeURIComponent(hash)}` : "";
  socket = new WebSocket(`${scheme}//${location.host}/ws${query}`);
  socket.addEventListener("open", () => {
    retries = 0;
    stats.connected = true;
    setStatus("connected", "ok");
  });
  socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  socket.addEventListener("close", (event) => {
    stats.connected = false;
    document.body.classList.remove("playing");
    const wait = event.code === 1013 ? 5000 : Math.min(5000, 300 * 2 ** retries++);
    if (event.code !== 1013) setStatus("disconnected from the server — reconnecting…", "error");
    setTimeout(connect, wait);
  });
}

function handle(msg) {
  switch (msg.type) {
    case "hello":
      state.limits = msg.limits;
      state.speed = msg.speed;
      fillSpeeds(state.limits);
      break;
    case "config":
      state.pendingConfig = msg; // drawn together with the frame that follows it
      break;
    case "frame":
      onFrame(msg);
      break;
    case "status": // the only message that changes play/pause (frames may be older)
      if (msg.playing && !state.playing) lastFrameAt = performance.now();
      state.playing = msg.playing;
      state.speed = msg.speed;
      document.body.classList.toggle("playing", msg.playing);
      if (!msg.playing) showAchieved(null);
      break;
    case "error":
      stats.errors.push(msg.message);
      setStatus(msg.message, "error");
      if (state.config) { // put the rejected value back as it was
        showConfig(state.config, state.speed);
        const cfg = state.config;
        pickers.select(cfg.problem, cfg.problem === "classification" ? cfg.dataset : cfg.reg_dataset);
        if (state.runs.length) showActivation(state.runs);
      }
      showInlineError(msg.fields, msg.request, msg.message);
      break;
    case "notice":
      stats.notices.push(msg.message);
      setStatus(msg.message, "notice");
      break;
    case "export":
      download(msg.runs);
      break;
    case "formula":
      onFormula(msg);
      break;
    default:
      break;
  }
}

// ------------------------------------------------------------------ config
function applyConfig(msg) {
  clearInlineErrors();
  if ($("status").className === "error") setStatus("", "ok");
  const cfg = msg.config;
  state.config = cfg;
  state.hash = msg.hash;
  state.runs = msg.runs;
  state.features = msg.features;
  state.nodeSize = msg.node_size;
  state.inspect = null;
  if (location.hash.slice(1) !== msg.hash) history.replaceState(null, "", `#${msg.hash}`);
  showConfig(cfg, state.speed);
  pickers.select(cfg.problem, cfg.problem === "classification" ? cfg.dataset : cfg.reg_dataset);
  if (msg.rebuilt) chart.reset(msg.runs.map((_, k) => RUN_COLORS[k]));
  state.layoutMsg = msg;
  drawNetwork();
  heatmap.setPoints(
    points(msg.data.train_xy, msg.data.train_labels),
    points(msg.data.test_xy, msg.data.test_labels),
  );
  showActivation(msg.runs);
  buildCompare(msg.runs);
  $("playground-link").href = msg.url;
  if (document.activeElement !== $("url-input")) $("url-input").value = msg.url;
  applyHidden(msg.hidden || [], Boolean(msg.hide_text));
  classroom.show(msg.hidden || []);
  showLegend(msg.runs);
  $("beyond").textContent = msg.beyond_playground.length
    ? `Beyond the TF Playground: ${msg.beyond_playground.join("; ")} — playground.tensorflow.org cannot open this run.`
    : "";
  stats.configs = (stats.configs || 0) + 1;
}

function drawNetwork() {
  const msg = state.layoutMsg;
  network.build({ features: msg.features, enabled: state.config.features, sizes: msg.layer_sizes });
  network.paintFeatures(msg.features, bytes(msg.feature_maps), msg.node_size);
}

function showActivation(runs) {
  const main = runs[0];
  const entry = state.catalog.find((a) => a.name === main.curve.name);
  $("activation-name").textContent = main.curve.name;
  drawCurves($("activation-curve"), runs.map((r) => r.curve), RUN_COLORS);
  const [lo, hi] = main.curve.output_range;
  const bound = (v, inf) => (v === null || !Number.isFinite(v) ? inf : String(v));
  const summary = (entry?.summary || "").replaceAll("``", "");
  $("activation-summary").textContent =
    `${summary} Range: (${bound(lo, "−∞")}, ${bound(hi, "∞")}).`;
  showParams(entry, main.params, (params) => send({ type: "set", changes: { activation_params: params } }));
}

// ------------------------------------------------------------------ compare mode
function buildCompare(runs) {
  const box = $("compare-runs");
  box.replaceChildren();
  runs.forEach((run, k) => {
    const card = document.createElement("div");
    card.className = "run-card";
    card.dataset.run = String(k);
    card.title = "Show this run in the network and heatmap";
    const canvas = document.createElement("canvas");
    const head = document.createElement("div");
    head.className = "run-head";
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = RUN_COLORS[k];
    const name = document.createElement("span");
    name.className = "run-name";
    name.textContent = run.activation;
    head.append(swatch, name);
    if (k > 0) {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove-run";
      remove.textContent = "×";
      remove.title = `Stop comparing ${run.activation}`;
      remove.addEventListener("click", (event) => {
        event.stopPropagation();
        const extras = state.runs.slice(1).map((r) => r.activation).filter((_, i) => i !== k - 1);
        send({ type: "compare", activations: extras });
      });
      head.append(remove);
    }
    const info = document.createElement("div");
    info.className = "run-info";
    card.append(canvas, head, info);
    card.addEventListener("click", () => send({ type: "focus", run: k }));
    box.append(card);
  });
  $("compare").classList.toggle("comparing", runs.length > 1);
  $("compare-add").disabled = state.limits && runs.length >= state.limits.max_compare;
}

function updateCompare(frame) {
  const cards = $("compare-runs").children;
  frame.runs.forEach((run, k) => {
    const card = cards[k];
    if (!card) return;
    card.classList.toggle("focused", k === frame.focus);
    paintHeatmap(card.querySelector("canvas"), run.cells, 0, run.heatmap_size || HEATMAP_CELLS, state.config.discretize);
    const dead = run.dead_units ? `, ${run.dead_units} dead` : "";
    card.querySelector(".run-info").textContent = run.divergence
      ? run.divergence
      : `test ${formatLoss(run.test_loss)}, train ${formatLoss(run.train_loss)}${dead}`;
    card.classList.toggle("diverged", Boolean(run.divergence));
  });
}

// ------------------------------------------------------------------ frames
function onFrame(msg) {
  if (state.pendingConfig) {
    applyConfig(state.pendingConfig);
    state.pendingConfig = null;
  }
  stats.frames += 1;
  lastFrameAt = performance.now();
  msg.runs.forEach((run, k) => {
    run.cells = bytes(run.heatmap);
    chart.extend(k, msg.loss_start, float64(run.train), float64(run.test));
  });
  state.latest = msg;
  if (!state.scheduled) {
    state.scheduled = true;
    requestAnimationFrame(render);
  }
}

function render() {
  const started = performance.now();
  state.scheduled = false;
  const frame = state.latest;
  if (!frame || !state.config) return;
  const cfg = state.config;
  const run = frame.runs[frame.focus];
  $("iter-number").textContent = formatEpoch(frame.epoch);
  $("loss-test").textContent = formatLoss(run.test_loss);
  $("loss-train").textContent = formatLoss(run.train_loss);
  let caption = null;
  if (frame.inspect) {
    const [layer, index] = frame.inspect;
    const last = frame.network.layers.length;
    caption = layer === 0 ? `input ${FEATURE_LABELS[cfg.features[index]]}`
      : layer === last ? "output node" : `layer ${layer}, neuron ${index + 1}`;
  }
  heatmap.draw(run.cells, run.heatmap_size || HEATMAP_CELLS, {
    discretize: cfg.discretize,
    showTest: cfg.show_test_data,
    message: run.divergence,
    caption,
  });
  if (frame.network) {
    network.update(frame.network.layers.map((l) => ({
      weights: float32(l.weights),
      biases: float32(l.biases),
      deadLinks: bytes(l.dead_links),
      deadUnits: l.dead_units ? bytes(l.dead_units) : null,
      maps: bytes(l.maps),
    })), state.nodeSize, cfg.discretize);
  }
  chart.draw();
  updateCompare(frame);
  if (state.playing) showAchieved(frame.achieved);
  document.body.classList.toggle("diverged", Boolean(run.divergence));
  stats.rendered += 1;
  stats.renderMs = 0.9 * (stats.renderMs || 0) + 0.1 * (performance.now() - started);
  stats.epoch = frame.epoch;
  send({ type: "ack", frame: frame.frame });
}

/** The training speed reached, shown when it is below the speed asked for. */
function showAchieved(achieved) {
  const box = $("achieved");
  const below = achieved !== null && achieved !== undefined && achieved < 0.9 * state.speed;
  box.textContent = below ? `reaching ${Math.round(achieved)} epochs/s` : "";
  box.title = below ? "This machine trains this network slower than the speed chosen" : "";
}

/** The loss chart's legend: test (solid) and training (dashed) loss per run. */
function showLegend(runs) {
  const box = $("chart-legend");
  box.replaceChildren();
  if (runs.length < 2) return;
  runs.forEach((run, k) => {
    const item = document.createElement("span");
    item.className = "legend-item";
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = RUN_COLORS[k];
    item.append(swatch, run.activation);
    box.append(item);
  });
  const key = document.createElement("span");
  key.className = "legend-key";
  key.textContent = "solid: test loss, dashed: training loss";
  box.append(key);
}

// ------------------------------------------------------------------ CSV upload
/** Upload a CSV (size-capped here and on the server), then train on it. */
async function uploadCsv(file) {
  clearInlineErrors();
  const cap = state.limits ? state.limits.max_csv_bytes : 2 * 1024 * 1024;
  if (file.size > cap) {
    showInlineError(null, "data", `${file.name}: the file is too large (limit ${cap.toLocaleString("en")} bytes)`);
    return;
  }
  try {
    const response = await fetch("/api/csv", { method: "POST", body: file, headers: { "x-filename": file.name.replace(/[^\x20-\x7e]/g, "_") } });
    const reply = await response.json();
    if (!response.ok) { showInlineError(null, "data", reply.error); return; }
    stats.uploads = (stats.uploads || 0) + 1;
    send({ type: "data", sha256: reply.sha256 });
  } catch (error) {
    showInlineError(null, "data", `upload failed: ${error}`);
  }
}

function bindCsv() {
  const zone = $("csv-drop");
  const input = $("csv-file");
  zone.addEventListener("click", () => input.click());
  zone.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
  input.addEventListener("change", () => { if (input.files[0]) uploadCsv(input.files[0]); input.value = ""; });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer.files[0]) uploadCsv(e.dataTransfer.files[0]);
  });
}

// ------------------------------------------------------------------ formula box
let formulaTimer = null;

/** Preview what is typed (f and f' drawn live, errors inline); Use trains with it. */
function bindFormula() {
  const input = $("formula-input");
  const preview = () => {
    const text = input.value.trim();
    if (!text) { formulaStatus("", ""); if (state.runs.length) showActivation(state.runs); return; }
    send({ type: "formula", definition: text, use: false });
  };
  input.addEventListener("input", () => {
    clearTimeout(formulaTimer);
    formulaTimer = setTimeout(preview, 350);
  });
  const use = () => {
    const text = input.value.trim();
    if (text) send({ type: "formula", definition: text, use: true });
  };
  $("formula-use").addEventListener("click", use);
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") use(); });
}

function formulaStatus(text, kind) {
  const box = $("formula-status");
  box.textContent = text;
  box.className = `formula-status ${kind}`;
}

function onFormula(msg) {
  if (msg.definition !== $("formula-input").value.trim()) return; // typed on since
  stats.formulas = (stats.formulas || 0) + 1;
  if (!msg.ok) { formulaStatus(msg.error, "error"); return; }
  const curve = msg.curve;
  formulaStatus(curve.warnings.length ? curve.warnings.join(" ") : (msg.used ? `training with ${curve.name}` : `f and f′ of ${curve.name}`), "");
  if (!msg.used) drawCurves($("activation-curve"), [curve], RUN_COLORS);
}

// ------------------------------------------------------------------ editing a weight
let editing = null;

/** Type a new value for a weight or bias (the playground: click a link or a bias). */
function openEditor(target, value, event) {
  const box = $("editor");
  const input = $("edit-value");
  editing = target;
  box.querySelector(".editor-what").textContent = target.input === null ? "Bias" : "Weight";
  input.value = Number.isFinite(value) ? Number(value).toPrecision(3) : "";
  box.style.left = `${event.clientX + 12}px`;
  box.style.top = `${event.clientY - 8}px`;
  box.classList.remove("hidden");
  $("hovercard").style.display = "none";
  input.focus();
  input.select();
}

function closeEditor() {
  editing = null;
  $("editor").classList.add("hidden");
}

function bindEditor() {
  const input = $("edit-value");
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeEditor();
    if (event.key !== "Enter" || !editing) return;
    const value = Number(input.value);
    if (input.value.trim() === "" || !Number.isFinite(value)) {
      showInlineError(null, "edit", "type a number");
      return;
    }
    send({ type: "edit", ...editing, value });
    closeEditor();
  });
  input.addEventListener("blur", () => {
    const was = editing;
    setTimeout(() => { if (editing === was) closeEditor(); }, 150);
  });
}

// ------------------------------------------------------------------ page chrome
function setStatus(text, kind) {
  const box = $("status");
  box.textContent = text;
  box.className = kind;
  clearTimeout(statusTimer);
  if (kind !== "error") statusTimer = setTimeout(() => { box.textContent = ""; }, 6000);
}

function download(runs) {
  const data = runs.length === 1 ? runs[0] : runs;
  stats.exports.push(data);
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  const cfg = state.config;
  link.download = `actlab-${runs.map((r) => r.config.activation).join("-vs-")}-seed${cfg.seed}-epoch${runs[0].epochs}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

const classroom = new ClassroomBuilder(() => state.hash || "");

function bindPage() {
  bindEditor();
  bindFormula();
  bindCsv();
  bindControls(send, () => state.config, () => state.limits, (field, value) => {
    state.config = { ...state.config, [field]: value };
    if (state.latest) render();
  });
  const openUrl = () => {
    const url = $("url-input").value.trim();
    if (url) send({ type: "load", url });
  };
  $("load-url-button").addEventListener("click", openUrl);
  $("url-input").addEventListener("keydown", (e) => { if (e.key === "Enter") openUrl(); });
  $("export-button").addEventListener("click", () => send({ type: "export" }));
  $("compare-add").addEventListener("change", (e) => {
    const name = e.target.value;
    e.target.value = "";
    if (name) send({ type: "compare", activations: [...state.runs.slice(1).map((r) => r.activation), name] });
  });
  let width = $("network").clientWidth;
  window.addEventListener("resize", () => {
    if (!state.layoutMsg || $("network").clientWidth === width) return;
    width = $("network").clientWidth;
    drawNetwork();
    if (state.latest) render();
  });
  window.addEventListener("hashchange", () => {
    const hash = location.hash.slice(1);
    if (hash && hash !== state.hash) send({ type: "load", url: hash });
  });
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (e.defaultPrevented) return; // a focused control used the key
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLButtonElement) return;
    if (e.key === " ") { e.preventDefault(); $("play-pause-button").click(); }
  });
}

function watchEngine() {
  setInterval(() => {
    const waiting = state.playing && stats.connected && performance.now() - lastFrameAt > 2500;
    if (waiting && $("status").textContent !== WAITING) setStatus(WAITING, "notice");
  }, 1000);
}

/** GET a JSON endpoint; an HTTP error is an error too. */
async function getJson(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

async function start() {
  bindPage();
  watchEngine();
  try {
    const [table, catalog, datasets] = await Promise.all([
      getJson("/api/fields"), getJson("/api/activations"), getJson("/api/datasets"),
    ]);
    state.catalog = catalog;
    state.fields = buildControls(table, catalog);
    pickers.render(datasets);
  } catch (error) {
    setStatus(`could not load the page's data: ${error}`, "error");
    $("status").scrollIntoView({ block: "nearest" }); // the page has no controls without it
    return;
  }
  connect();
}

start();
