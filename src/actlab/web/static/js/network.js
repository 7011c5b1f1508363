// The network diagram: input features, hidden layers and the output node, each with its
// small heatmap; links coloured and sized by weight; biases as small squares; dead units
// and L1-killed links marked. Layout is rebuilt when the shape changes; frames only
// recolour.

import { css, paintHeatmap } from "./colors.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const CONTROLS_HEIGHT = 50;
const INPUT_X = 78;
const BIAS = 5;
const MAX_HOVER_LINKS = 800;

export const FEATURE_LABELS = {
  x: "X₁", y: "X₂", xSquared: "X₁²", ySquared: "X₂²", xTimesY: "X₁X₂", sinX: "sin(X₁)", sinY: "sin(X₂)",
};

function svgEl(name, attrs, parent) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.append(node);
  return node;
}

function linkWidth(w) {
  return Number.isFinite(w) ? 1 + (Math.min(Math.abs(w), 5) * 9) / 5 : 1;
}

export class NetworkView {
  /**
   * @param {HTMLElement} container  the #network element
   * @param {object} on  callbacks: toggleFeature(id), neurons(layer, delta), inspect(node|null),
   *                     hover(text|null, event), edit(target, value, event) where target is
   *                     {layer, node, input} (input null: a bias)
   */
  constructor(container, on) {
    this.container = container;
    this.on = on;
    this.layout = null;
  }

  /** Rebuild for a config: {features, enabled, sizes, maxNeurons}. */
  build(layout) {
    this.layout = layout;
    const { features, enabled, sizes } = layout;
    const hidden = sizes.slice(1, -1);
    const tallest = Math.max(features.length, ...hidden, 1);
    const step = Math.max(20, Math.min(55, Math.floor(560 / tallest)));
    const size = Math.min(30, step - 6);
    this.nodeSize = size;
    const width = Math.max(420, this.container.clientWidth);
    const height = CONTROLS_HEIGHT + tallest * step + 10;
    this.container.replaceChildren();
    this.container.style.height = `${height}px`;
    const svg = svgEl("svg", { width, height, class: "network-svg" }, this.container);
    const links = svgEl("g", { class: "links" }, svg);
    const overlay = svgEl("g", { class: "overlay" }, svg);

    const outX = width - size / 2 - 12;
    const spare = width - INPUT_X - 130;
    const firstX = INPUT_X + Math.min(120, Math.max(60, spare / 6));
    const lastX = outX - Math.min(110, Math.max(50, spare / 6));
    const columnX = (i) => (hidden.length === 1 ? (firstX + lastX) / 2
      : firstX + (i * (lastX - firstX)) / Math.max(1, hidden.length - 1));
    // room for each layer's +/- control and neuron count, so that labels never overlap
    this.columnWidth = hidden.length > 1 ? Math.min(72, (lastX - firstX) / (hidden.length - 1) - 4) : 72;
    const rowY = (i) => CONTROLS_HEIGHT + i * step + size / 2 + 4;

    // nodes[l][i] = {x, y, canvas, bias, div}; l = 0 are the enabled features
    this.nodes = [];
    this.inputs = {};
    const inputNodes = [];
    features.forEach((id, i) => {
      const active = enabled.includes(id);
      const node = this.node(INPUT_X, rowY(i), size, active ? "input" : "input inactive");
      node.div.title = `${FEATURE_LABELS[id]}: click to ${active ? "remove" : "add"} this input`;
      node.div.dataset.feature = id;
      node.div.tabIndex = 0;
      node.div.setAttribute("role", "switch");
      node.div.setAttribute("aria-checked", String(active));
      node.div.setAttribute("aria-label", `input ${FEATURE_LABELS[id]}`);
      node.div.addEventListener("click", () => this.on.toggleFeature(id));
      node.div.addEventListener("keydown", (event) => {
        if (event.key !== "Enter" && event.key !== " ") return;
        event.preventDefault();
        this.on.toggleFeature(id);
      });
      const label = svgEl("text", { x: INPUT_X - size / 2 - 8, y: rowY(i) + 4, class: `feature-label${active ? "" : " inactive"}`, "text-anchor": "end" }, overlay);
      label.textContent = FEATURE_LABELS[id];
      this.inputs[id] = node;
      if (active) {
        this.hoverInspect(node.div, [0, inputNodes.length]);
        inputNodes.push(node);
      }
    });
    this.nodes.push(inputNodes);
    hidden.forEach((n, l) => {
      const x = columnX(l);
      this.controls(x, l, n);
      const layer = [];
      for (let i = 0; i < n; i++) {
        const node = this.node(x, rowY(i), size, "neuron");
        node.bias = this.biasRect(overlay, node, `Bias of layer ${l + 1}, neuron ${i + 1}`, { layer: l, node: i, input: null });
        node.div.title = `layer ${l + 1}, neuron ${i + 1}`;
        this.hoverInspect(node.div, [l + 1, i]);
        layer.push(node);
      }
      this.nodes.push(layer);
    });
    const out = this.node(outX, rowY(0), size, "output");
    out.bias = this.biasRect(overlay, out, "Bias of the output node", { layer: hidden.length, node: 0, input: null });
    out.div.title = "output node";
    this.hoverInspect(out.div, [sizes.length - 1, 0]);
    this.nodes.push([out]);
    const outLabel = svgEl("text", { x: outX, y: rowY(0) + size / 2 + 14, class: "node-caption", "text-anchor": "middle" }, overlay);
    outLabel.textContent = "output";

    // links[l][o * nIn + i]: into layer l + 1
    const total = sizes.slice(1).reduce((acc, n, l) => acc + n * sizes[l], 0);
    this.links = [];
    for (let l = 1; l < this.nodes.length; l++) {
      const sources = this.nodes[l - 1];
      const paths = [];
      this.nodes[l].forEach((dest, o) => {
        sources.forEach((src, i) => {
          const spread = ((i - (sources.length - 1) / 2) / Math.max(1, sources.length)) * size * 0.4;
          const x1 = src.x + size / 2 + 1;
          const x2 = dest.x - size / 2;
          const y1 = src.y;
          const y2 = dest.y + spread;
          const mid = (x1 + x2) / 2;
          const d = `M${x1},${y1}C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
          const path = svgEl("path", { d, class: "link" }, links);
          const target = { layer: l - 1, node: o, input: i };
          const index = o * sources.length + i;
          const hover = total <= MAX_HOVER_LINKS ? svgEl("path", { d, class: "link-hover" }, links) : path;
          hover.dataset.link = `${l - 1}-${o}-${i}`;
          this.hoverValue(hover, () => `Weight ${this.weightText(l - 1, index)} (click to edit)`);
          hover.addEventListener("click", (event) => this.on.edit(target, this.weights[l - 1]?.[index], event));
          paths.push(path);
        });
      });
      this.links.push(paths);
    }
    this.weights = [];
    this.biases = [];
  }

  node(x, y, size, kind) {
    const div = document.createElement("div");
    div.className = `node ${kind}`;
    div.style.left = `${x - size / 2}px`;
    div.style.top = `${y - size / 2}px`;
    div.style.width = `${size}px`;
    div.style.height = `${size}px`;
    const canvas = document.createElement("canvas");
    canvas.width = 20;
    canvas.height = 20;
    const badge = document.createElement("span");
    badge.className = "dead-badge";
    badge.textContent = "✕";
    div.append(canvas, badge);
    this.container.append(div);
    return { x, y, div, canvas, bias: null };
  }

  biasRect(parent, node, title, target) {
    const rect = svgEl("rect", {
      x: node.x - this.nodeSize / 2 - BIAS - 2,
      y: node.y + this.nodeSize / 2 - BIAS + 2,
      width: BIAS, height: BIAS, class: "bias",
    }, parent);
    rect.dataset.bias = `${target.layer}-${target.node}`;
    this.hoverValue(rect, () => `${title}: ${this.biasText(node)} (click to edit)`);
    rect.addEventListener("click", (event) => this.on.edit(target, this.biases[target.layer]?.[target.node], event));
    return rect;
  }

  controls(x, layer, n) {
    const div = document.createElement("div");
    const width = this.columnWidth;
    div.className = `plus-minus-neurons ui-numHiddenLayers${width < 60 ? " narrow" : ""}`;
    div.style.left = `${x - width / 2}px`;
    div.style.width = `${width}px`;
    const plus = document.createElement("button");
    plus.type = "button";
    plus.className = "round-button small";
    plus.textContent = "+";
    plus.title = `Add a neuron to layer ${layer + 1}`;
    plus.addEventListener("click", () => this.on.neurons(layer, +1));
    const minus = document.createElement("button");
    minus.type = "button";
    minus.className = "round-button small";
    minus.textContent = "−";
    minus.title = `Remove a neuron from layer ${layer + 1}`;
    minus.addEventListener("click", () => this.on.neurons(layer, -1));
    const text = document.createElement("div");
    text.className = "neuron-count";
    text.textContent = width < 60 ? String(n) : `${n} neuron${n === 1 ? "" : "s"}`;
    text.title = `${n} neuron${n === 1 ? "" : "s"} in layer ${layer + 1}`;
    div.append(plus, minus, text);
    this.container.append(div);
  }

  hoverInspect(div, node) {
    div.addEventListener("mouseenter", () => { div.classList.add("hovered"); this.on.inspect(node); });
    div.addEventListener("mouseleave", () => { div.classList.remove("hovered"); this.on.inspect(null); });
  }

  hoverValue(element, text) {
    element.addEventListener("mousemove", (event) => this.on.hover(text(), event));
    element.addEventListener("mouseleave", () => this.on.hover(null));
  }

  weightText(layer, index) {
    const w = this.weights[layer];
    return w ? Number(w[index]).toPrecision(3) : "–";
  }

  biasText(node) {
    const at = this.nodes.findIndex((layer) => layer.includes(node));
    const b = this.biases[at - 1];
    return b ? Number(b[this.nodes[at].indexOf(node)]).toPrecision(3) : "–";
  }

  /** The 7 input features' maps (features.length * n * n bytes). */
  paintFeatures(features, bytes, n) {
    features.forEach((id, i) => paintHeatmap(this.inputs[id].canvas, bytes, i * n * n, n, false));
  }

  /** Recolour from a frame's `network`: [{weights, biases, deadLinks, deadUnits, maps}]. */
  update(layers, n, discretize) {
    this.weights = layers.map((l) => l.weights);
    this.biases = layers.map((l) => l.biases);
    layers.forEach((layer, l) => {
      const paths = this.links[l];
      for (let j = 0; j < paths.length; j++) {
        const w = layer.weights[j];
        const path = paths[j];
        path.setAttribute("stroke", css(w));
        path.setAttribute("stroke-width", linkWidth(w).toFixed(2));
        path.classList.toggle("dead-link", layer.deadLinks[j] === 1);
      }
      this.nodes[l + 1].forEach((node, i) => {
        paintHeatmap(node.canvas, layer.maps, i * n * n, n, discretize);
        node.bias.setAttribute("fill", css(layer.biases[i]));
        const dead = Boolean(layer.deadUnits && layer.deadUnits[i]);
        node.div.classList.toggle("dead", dead);
        const base = l + 1 === this.nodes.length - 1 ? "output node" : `layer ${l + 1}, neuron ${i + 1}`;
        node.div.title = dead ? `${base}: dead (outputs 0 on every training point)` : base;
      });
    });
  }
}
