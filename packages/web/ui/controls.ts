import { plantableLayers } from "../src/hand-backprop";
import {
  DATASETS,
  HIDDEN_ACTIVATIONS,
  LIMITS,
  MISTAKES,
  OPTIMIZERS,
  OUTPUT_CHOICES,
  widths,
  type PageSettings,
} from "../src/settings";
import { h } from "./dom";

// The learner's controls: plain form controls with labels, so that every one of them works
// from the keyboard (Tab, arrows, Enter) and with a screen reader.

/** What the controls ask the page to do. */
export interface ControlsEvents {
  /** A setting changed; `restart` when the network or the data changed (a new training run). */
  change(settings: PageSettings, restart: boolean): void;
  play(): void;
  pause(): void;
  step(): void;
  reset(): void;
}

const DATASET_LABELS: Record<string, string> = { moons: "two moons", circles: "circles", xor: "XOR (quadrants)", spiral: "spiral" };
const OUTPUT_LABELS: Record<string, string> = { sigmoid: "sigmoid (cross-entropy)", softmax: "softmax (cross-entropy)", identity: "identity (squared error)" };
const MISTAKE_LABELS: Record<string, string> = {
  none: "none: the right formulas",
  transpose: "a missing transpose (W instead of Wᵀ)",
  derivative: "σ′ = σ (g instead of g′)",
  mean: "a missing 1/m",
};

function select(id: string, label: string, options: readonly string[], value: string, labels: Record<string, string> = {}): HTMLSelectElement {
  const element = h("select", { id, name: id, "aria-label": label });
  for (const option of options) element.append(h("option", { value: option, selected: option === value }, labels[option] ?? option));
  return element;
}

function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  return h("label", { class: "field" }, h("span", { class: "label" }, label), control, hint ? h("span", { class: "hint" }, hint) : null);
}

/** The controls panel. */
export function controlsView(initial: PageSettings, events: ControlsEvents) {
  let settings: PageSettings = { ...initial, hidden: [...initial.hidden] };
  const problem = h("p", { class: "problem", role: "alert", id: "settings-problem" });

  const dataset = select("dataset", "data set", DATASETS, settings.dataset, DATASET_LABELS);
  const examples = h("input", { id: "examples", type: "number", min: LIMITS.examples[0], max: LIMITS.examples[1], step: 1, value: settings.examples, inputmode: "numeric" });
  const noise = h("input", { id: "noise", type: "number", min: 0, max: 1, step: 0.01, value: settings.noise, inputmode: "decimal" });
  const classes = h("input", { id: "classes", type: "number", min: LIMITS.classes[0], max: LIMITS.classes[1], step: 1, value: settings.classes });
  const seed = h("input", { id: "seed", type: "number", min: 0, step: 1, value: settings.seed });
  const hidden = h("input", { id: "hidden", type: "text", value: settings.hidden.join(", "), spellcheck: "false", autocomplete: "off" });
  const activation = select("activation", "hidden activation", HIDDEN_ACTIVATIONS, settings.activation, { custom: "custom (yours, below)" });
  const output = select("output", "output layer", OUTPUT_CHOICES, settings.output, OUTPUT_LABELS);
  const convention = h("fieldset", { class: "convention" }, h("legend", {}, "convention"));
  for (const [value, text] of [["column", "columns: X is [2, m]"], ["row", "rows: X is [m, 2]"]] as const) {
    convention.append(
      h("label", { class: "radio" }, h("input", { type: "radio", name: "convention", value, checked: settings.convention === value }), ` ${text}`),
    );
  }
  const optimizer = select("optimizer", "optimiser", OPTIMIZERS, settings.optimizer);
  const learningRate = h("input", { id: "learning-rate", type: "number", min: 0.0001, max: 10, step: "any", value: settings.learningRate, inputmode: "decimal" });
  const batchSize = h("input", { id: "batch-size", type: "number", min: 1, max: LIMITS.batchSize[1], step: 1, value: settings.batchSize });
  const mistake = select("mistake", "mistake planted in the hand-derived backward pass", MISTAKES, settings.mistake, MISTAKE_LABELS);
  const mistakeLayer = h("select", { id: "mistake-layer", "aria-label": "the layer whose formula carries the mistake" });

  const play = h("button", { type: "button", id: "play", class: "primary", "aria-pressed": "false" }, "▶ Play");
  const step = h("button", { type: "button", id: "step" }, "Step");
  const reset = h("button", { type: "button", id: "reset" }, "Reset");
  let playing = false;
  play.addEventListener("click", () => (playing ? events.pause() : events.play()));
  step.addEventListener("click", () => events.step());
  reset.addEventListener("click", () => events.reset());

  const refreshLayers = () => {
    const L = settings.hidden.length + 1;
    const layers = plantableLayers(settings.mistake, settings.convention, L);
    mistakeLayer.replaceChildren(...layers.map((l) => h("option", { value: l, selected: l === (layers.includes(settings.mistakeLayer) ? settings.mistakeLayer : layers[layers.length - 1]) }, `layer ${l}`)));
    mistakeLayer.disabled = layers.length === 0;
    if (settings.mistake !== "none" && layers.length === 0) problem.textContent = "This mistake needs a hidden layer: add one to plant it.";
    classes.disabled = settings.dataset !== "spiral";
  };

  /** Reads every control; returns a message for the first invalid one. */
  const read = (): string | null => {
    const next: PageSettings = { ...settings };
    const number = (input: HTMLInputElement, name: string, low: number, high: number, integer: boolean): number | string => {
      const value = Number(input.value);
      if (input.value.trim() === "" || !Number.isFinite(value) || value < low || value > high || (integer && !Number.isInteger(value))) {
        return `${name}: ${integer ? "a whole number" : "a number"} from ${low} to ${high}, please`;
      }
      return value;
    };
    const checks: [keyof PageSettings, number | string][] = [
      ["examples", number(examples, "examples", LIMITS.examples[0], LIMITS.examples[1], true)],
      ["noise", number(noise, "noise", 0, 1, false)],
      ["classes", number(classes, "classes", LIMITS.classes[0], LIMITS.classes[1], true)],
      ["seed", number(seed, "seed", 0, 2 ** 31 - 1, true)],
      ["learningRate", number(learningRate, "learning rate", 1e-6, 10, false)],
      ["batchSize", number(batchSize, "batch size", 1, LIMITS.batchSize[1], true)],
    ];
    for (const [key, value] of checks) {
      if (typeof value === "string") return value;
      (next as unknown as Record<string, number>)[key] = value;
    }
    const parsed = widths(hidden.value);
    if ("problem" in parsed) return `hidden layers: ${parsed.problem}`;
    next.hidden = parsed.value;
    next.dataset = dataset.value as PageSettings["dataset"];
    next.activation = activation.value as PageSettings["activation"];
    next.output = output.value as PageSettings["output"];
    next.optimizer = optimizer.value as PageSettings["optimizer"];
    next.convention = (convention.querySelector<HTMLInputElement>("input:checked")?.value ?? "column") as PageSettings["convention"];
    next.mistake = mistake.value as PageSettings["mistake"];
    next.mistakeLayer = Number(mistakeLayer.value) || 0;
    settings = next;
    return null;
  };

  const onChange = (event: Event) => {
    const before = settings;
    const message = read();
    problem.textContent = message ?? "";
    if (message !== null) return;
    const target = event.target as HTMLElement;
    const inspectOnly = target === mistake || target === mistakeLayer;
    if (target === mistake || target.getAttribute("name") === "convention" || target === hidden) {
      settings.mistakeLayer = target === mistake || target === hidden ? 0 : settings.mistakeLayer;
    }
    refreshLayers();
    if (JSON.stringify(before) !== JSON.stringify(settings)) events.change(settings, !inspectOnly);
  };

  const buttons = h("div", { class: "buttons", role: "group", "aria-label": "training" }, play, step, reset);
  const form = h(
    "form",
    { class: "controls", id: "controls", "aria-label": "settings", onsubmit: (event: Event) => event.preventDefault() },
    h(
      "fieldset",
      {},
      h("legend", {}, "data"),
      field("data set", dataset),
      field("examples", examples),
      field("noise", noise, "standard deviation"),
      field("classes", classes, "spiral only"),
      field("seed", seed),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "network"),
      field("hidden layers", hidden, "widths, e.g. 8, 8"),
      field("activation", activation),
      field("output", output),
      convention,
    ),
    h("fieldset", {}, h("legend", {}, "training"), field("optimiser", optimizer), field("learning rate", learningRate), field("batch size", batchSize)),
    h("fieldset", {}, h("legend", {}, "backprop by hand"), field("plant a mistake", mistake), field("in the formula of", mistakeLayer)),
    problem,
  );
  form.addEventListener("change", onChange);
  refreshLayers();

  return {
    element: form,
    /** Play, Step and Reset, which the page puts beside what they drive. */
    buttons,
    /** Shows the play button as playing or paused. */
    setPlaying(value: boolean) {
      playing = value;
      play.textContent = value ? "❚❚ Pause" : "▶ Play";
      play.setAttribute("aria-pressed", String(value));
    },
    /** Switches the activation to yours (after the form below checked it). */
    useCustomActivation(forward: string, derivative: string) {
      settings = { ...settings, activation: "custom", customForward: forward, customDerivative: derivative };
      activation.value = "custom";
      events.change(settings, true);
    },
    get settings() {
      return settings;
    },
  };
}
