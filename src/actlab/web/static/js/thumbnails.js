// The dataset chooser: one thumbnail per dataset (points from /api/datasets).

import { css } from "./colors.js";

const TITLES = {
  circle: "Circle", xor: "Exclusive or", gauss: "Gaussian", spiral: "Spiral",
  "reg-plane": "Plane (regression)", "reg-gauss": "Multi Gaussian (regression)",
};

export class DatasetPicker {
  constructor(container, onPick) {
    this.container = container;
    this.onPick = onPick;
    this.canvases = {};
  }

  /** Draw every thumbnail once: {name: {problem, points: [[x, y, label], ...]}}. */
  render(datasets) {
    this.container.replaceChildren();
    for (const [name, info] of Object.entries(datasets)) {
      const canvas = document.createElement("canvas");
      canvas.width = 100;
      canvas.height = 100;
      canvas.dataset.dataset = name;
      canvas.dataset.problem = info.problem;
      canvas.title = TITLES[name] || name;
      canvas.setAttribute("role", "button");
      canvas.setAttribute("aria-label", `dataset ${TITLES[name] || name}`);
      const ctx = canvas.getContext("2d");
      for (const [x, y, label] of info.points) {
        ctx.fillStyle = css(label);
        ctx.fillRect((100 * (x + 6)) / 12 - 2, (100 * (6 - y)) / 12 - 2, 4, 4);
      }
      canvas.tabIndex = 0;
      canvas.addEventListener("click", () => this.onPick(name, info.problem));
      canvas.addEventListener("keydown", (event) => {
        if (event.key !== "Enter" && event.key !== " ") return;
        event.preventDefault();
        this.onPick(name, info.problem);
      });
      this.canvases[name] = canvas;
      this.container.append(canvas);
    }
  }

  /** Show the problem's datasets and mark the chosen one. */
  select(problem, name) {
    for (const [key, canvas] of Object.entries(this.canvases)) {
      canvas.classList.toggle("hidden", canvas.dataset.problem !== problem);
      canvas.classList.toggle("selected", key === name);
      canvas.setAttribute("aria-pressed", String(key === name));
    }
  }
}
