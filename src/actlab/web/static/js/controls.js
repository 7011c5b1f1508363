// The page's controls: filling them, showing a config in them, and turning user input into
// messages for the server. Control ids are the playground's.

const $ = (id) => document.getElementById(id);

export const SPEEDS = [5, 15, 30, 60, 120, 300, 1000];
/** The sliders: [control id, config field]; their ranges come from the constraint table. */
const SLIDERS = [["percTrainData", "perc_train_data"], ["noise", "noise"], ["batchSize", "batch_size"]];

function option(value, text) {
  const o = document.createElement("option");
  o.value = String(value);
  o.textContent = text ?? String(value);
  return o;
}

/** Select `value` in a numeric <select>, adding it as an option when it is not listed. */
function selectNumber(select, value) {
  const text = String(value);
  if (![...select.options].some((o) => o.value === text)) {
    const options = [...select.options, option(value)].sort((a, b) => Number(a.value) - Number(b.value));
    select.replaceChildren(...options);
  }
  select.value = text;
}

/** Show `value` on a slider; a value beyond the table's range (a URL may carry one, e.g.
 *  batchSize=100) widens the slider for as long as it is shown. */
function setSlider(id, value) {
  const input = $(id);
  input.max = String(Math.max(Number(input.dataset.max), Number(value)));
  input.value = String(value);
  $(`${id}-value`).textContent = String(value);
}

function showLayerCount(n) {
  $("num-layers").textContent = String(n);
  $("layers-label").textContent = n === 1 ? "Hidden layer" : "Hidden layers";
}

const capitalized = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Build the config controls from the constraint table (`GET /api/fields`, `fields.as_json()`):
 * the learning-rate and regularization-rate menus (`ui_values`), the regularization and
 * problem menus (`choices`), the sliders' min/max/step (`ui_range`), the activation menu (the
 * playground's own `ui_values` first, then the rest of the registry `catalog`), and the
 * table's defaults until the server's first config arrives. Returns the fields by name.
 */
export function buildControls(table, catalog) {
  const byName = Object.fromEntries(table.fields.map((f) => [f.name, f]));
  const field = (name) => {
    const f = byName[name];
    if (!f) throw new Error(`the constraint table has no field ${name}`);
    return f;
  };
  $("learningRate").replaceChildren(...field("learning_rate").ui_values.map((v) => option(v)));
  $("regularRate").replaceChildren(...field("regularization_rate").ui_values.map((v) => option(v)));
  $("regularizations").replaceChildren(...field("regularization").choices.map((c) => option(c, c === "none" ? "None" : c)));
  $("problem").replaceChildren(...field("problem").choices.map((c) => option(c, capitalized(c))));
  for (const [id, name] of SLIDERS) {
    const { min, max, step } = field(name).ui_range;
    const input = $(id);
    Object.assign(input, { min: String(min), step: String(step) });
    input.dataset.max = String(max);
    setSlider(id, field(name).default);
  }
  const names = catalog.map((a) => a.name);
  const group = (label, list) => {
    const g = document.createElement("optgroup");
    g.label = label;
    g.append(...list.map((n) => option(n)));
    return g;
  };
  const classic = field("activation").ui_values.filter((n) => names.includes(n));
  const more = names.filter((n) => !classic.includes(n));
  $("activations").replaceChildren(group("TF Playground", classic), group("More (actlab registry)", more));
  $("compare-add").replaceChildren(option("", "+ add an activation…"), ...names.map((n) => option(n)));
  for (const [id, name] of [["learningRate", "learning_rate"], ["regularRate", "regularization_rate"]]) {
    selectNumber($(id), field(name).default);
  }
  $("activations").value = field("activation").default;
  $("regularizations").value = field("regularization").default ?? "none";
  $("problem").value = field("problem").default;
  showLayerCount(field("network_shape").default.length);
  return byName;
}

/** Fill the speed menu (this server's limit, from its hello). */
export function fillSpeeds(limits) {
  const speeds = SPEEDS.filter((s) => s < limits.max_epochs_per_second);
  speeds.push(limits.max_epochs_per_second);
  $("speed").replaceChildren(...speeds.map((s) => option(s, `${s} epochs/s`)));
}

/** Show a config (snake_case fields from the server) in the controls. */
export function showConfig(cfg, speed) {
  selectNumber($("learningRate"), cfg.learning_rate);
  selectNumber($("regularRate"), cfg.regularization_rate);
  const chooser = $("activations");
  if (![...chooser.options].some((o) => o.value === cfg.activation)) chooser.append(option(cfg.activation));
  chooser.value = cfg.activation;
  $("regularizations").value = cfg.regularization ?? "none";
  $("problem").value = cfg.problem;
  setSlider("percTrainData", cfg.perc_train_data);
  setSlider("noise", cfg.noise);
  setSlider("batchSize", cfg.batch_size);
  $("show-test-data").checked = cfg.show_test_data;
  $("discretize").checked = cfg.discretize;
  selectNumber($("speed"), speed);
  showLayerCount(cfg.network_shape.length);
}

/** Inputs for the chosen activation's parameters (numbers or choices). */
export function showParams(entry, values, onChange) {
  const box = $("activation-params");
  box.replaceChildren();
  for (const p of entry?.params ?? []) {
    const label = document.createElement("label");
    label.className = "param";
    label.textContent = `${p.name} `;
    label.title = `${p.doc || p.name}: ${p.allowed}`;
    let input;
    if (p.choices) {
      input = document.createElement("select");
      input.append(...p.choices.map((c) => option(c)));
    } else {
      input = document.createElement("input");
      input.type = "number";
      input.step = "any";
      if (p.low !== null && p.low !== undefined) input.min = String(p.low);
      if (p.high !== null && p.high !== undefined) input.max = String(p.high);
    }
    input.value = String(values[p.name] ?? p.default);
    input.dataset.param = p.name;
    input.addEventListener("change", () => {
      const v = p.choices ? input.value : Number(input.value);
      onChange({ ...values, [p.name]: v });
    });
    label.append(input);
    box.append(label);
  }
}

/** Wire every control to `send` (a function taking a message object). */
export function bindControls(send, getConfig, limits, onDisplayChange) {
  const set = (changes) => send({ type: "set", changes });
  $("play-pause-button").addEventListener("click", () => {
    send({ type: document.body.classList.contains("playing") ? "pause" : "play" });
  });
  $("reset-button").addEventListener("click", () => send({ type: "reset" }));
  $("next-step-button").addEventListener("click", () => send({ type: "step" }));
  $("data-regen-button").addEventListener("click", () => send({ type: "regenerate" }));
  $("learningRate").addEventListener("change", (e) => set({ learning_rate: Number(e.target.value) }));
  $("regularRate").addEventListener("change", (e) => set({ regularization_rate: Number(e.target.value) }));
  $("activations").addEventListener("change", (e) => set({ activation: e.target.value, activation_params: {} }));
  $("regularizations").addEventListener("change", (e) => {
    set({ regularization: e.target.value === "none" ? null : e.target.value });
  });
  $("problem").addEventListener("change", (e) => set({ problem: e.target.value }));
  $("speed").addEventListener("change", (e) => send({ type: "speed", epochs_per_second: Number(e.target.value) }));
  for (const [id, field] of SLIDERS) {
    const input = $(id);
    input.addEventListener("input", () => { $(`${id}-value`).textContent = input.value; });
    input.addEventListener("change", () => set({ [field]: Number(input.value) }));
  }
  for (const [id, field] of [["show-test-data", "show_test_data"], ["discretize", "discretize"]]) {
    $(id).addEventListener("change", (e) => {
      onDisplayChange(field, e.target.checked);
      set({ [field]: e.target.checked });
    });
  }
  $("add-layers").addEventListener("click", () => {
    const shape = getConfig().network_shape;
    if (shape.length < limits().max_hidden_layers) set({ network_shape: [...shape, 2] });
  });
  $("remove-layers").addEventListener("click", () => {
    const shape = getConfig().network_shape;
    if (shape.length > 0) set({ network_shape: shape.slice(0, -1) });
  });
}

/** A network-shape change for the +/- buttons of one hidden layer. */
export function neuronsChange(cfg, layer, delta, maxNeurons) {
  const shape = [...cfg.network_shape];
  const n = shape[layer] + delta;
  if (n < 1 || n > maxNeurons) return null;
  shape[layer] = n;
  return { network_shape: shape };
}

// ------------------------------------------------------------------ inline errors
/** Where an error about a config field (or a request) is shown: the id of its control. */
const ERROR_PLACES = {
  learning_rate: "learningRate", regularization_rate: "regularRate", activation: "activations",
  activation_params: "activation-params", regularization: "regularizations", problem: "problem",
  batch_size: "batchSize", noise: "noise", perc_train_data: "percTrainData",
  network_shape: "network", features: "network", init_zero: "network", seed: "data-regen-button",
  dataset: "datasets", reg_dataset: "datasets", show_test_data: "show-test-data",
  discretize: "discretize", load: "url-input", compare: "compare-add", focus: "compare-add",
  speed: "speed", play: "play-pause-button", step: "play-pause-button", reset: "play-pause-button",
  regenerate: "data-regen-button", edit: "network", formula: "formula-input", data: "csv-drop", inspect: "network", export: "export-button",
};

function errorHost(id) {
  const control = $(id);
  if (!control) return null;
  if (id === "activation-params") return control;
  if (id === "csv-drop") return control.parentElement;
  return control.closest(".formula-box, .control, .slider, .url-row, .compare-add, .checkboxes, .activation-panel, .network-column, .column") || control.parentElement;
}

/** Show `message` beside the controls of `fields` (or of the `request` that failed). */
export function showInlineError(fields, request, message) {
  const ids = new Set((fields && fields.length ? fields : [request]).map((f) => ERROR_PLACES[f]).filter(Boolean));
  for (const id of ids) {
    const host = errorHost(id);
    if (!host) continue;
    let box = host.querySelector(":scope > .inline-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "inline-error";
      box.setAttribute("role", "alert");
      host.append(box);
    }
    box.dataset.for = id;
    box.textContent = message;
    box.scrollIntoView({ block: "nearest" });
  }
}

export function clearInlineErrors() {
  for (const box of document.querySelectorAll(".inline-error")) box.remove();
}

// ------------------------------------------------------------------ classroom
/** The playground's hidable controls (its HIDABLE_CONTROLS): [label, URL name]. */
export const HIDABLE_CONTROLS = [
  ["Show test data", "showTestData"], ["Discretize output", "discretize"],
  ["Play button", "playButton"], ["Step button", "stepButton"], ["Reset button", "resetButton"],
  ["Learning rate", "learningRate"], ["Activation", "activation"],
  ["Regularization", "regularization"], ["Regularization rate", "regularizationRate"],
  ["Problem type", "problem"], ["Which dataset", "dataset"], ["Ratio train data", "percTrainData"],
  ["Noise level", "noise"], ["Batch size", "batchSize"], ["# of hidden layers", "numHiddenLayers"],
];

/** Hide the controls named in `hidden` (URL `NAME_hide=true`) and, with hideText, the text. */
export function applyHidden(hidden, hideText) {
  for (const [, name] of HIDABLE_CONTROLS) {
    for (const el of document.querySelectorAll(`.ui-${name}`)) el.classList.toggle("hidden-ui", hidden.includes(name));
  }
  for (const el of document.querySelectorAll(".text")) el.classList.toggle("hidden-ui", hideText);
}

/** The "use it in a classroom" builder: one checkbox per control (ticked: shown) and a link
 *  to this run with the unticked ones hidden. `currentHash()` gives the run's hash. */
export class ClassroomBuilder {
  constructor(currentHash) {
    this.currentHash = currentHash;
    this.box = document.querySelector("#classroom .hide-controls");
    this.inputs = {};
    for (const [text, name] of HIDABLE_CONTROLS) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox";
      input.checked = true;
      input.dataset.control = name;
      input.addEventListener("change", () => this.update());
      label.append(input, ` ${text}`);
      this.box.append(label);
      this.inputs[name] = input;
    }
  }

  /** Tick the boxes from a config's hidden list. */
  show(hidden) {
    for (const [name, input] of Object.entries(this.inputs)) input.checked = !hidden.includes(name);
    this.update();
  }

  update() {
    const parts = this.currentHash().split("&").filter((p) => p && !/^[^=]*_hide=/.test(p));
    for (const [name, input] of Object.entries(this.inputs)) if (!input.checked) parts.push(`${name}_hide=true`);
    const link = $("hide-controls-link");
    link.href = `${location.origin}${location.pathname}#${parts.join("&")}`;
  }
}
