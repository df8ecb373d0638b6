import { explainGradients, wasmSimdAvailable, type GradientExplanation } from "@tapegrad/core";
import { takeExamples, type Params } from "@tapegrad/nn";
import { readCustomActivation, type CustomActivation } from "../src/custom-activation";
import { formatNumber, formatPercent } from "../src/format";
import { bothConventions, handVersusTape } from "../src/inspection";
import { parseQuery, toQuery, type PageSettings } from "../src/settings";
import { TrainingSession } from "../src/session";
import { activationForm } from "./activation-form";
import { boundaryView } from "./boundary-view";
import { controlsView } from "./controls";
import { conventionsView } from "./conventions-view";
import { curvesView } from "./curves-view";
import { h, panel, replaceChildren } from "./dom";
import { graphView } from "./graph-view";
import { handVersusTapeView } from "./hand-vs-tape-view";
import { nodeDetails } from "./node-details";
import "./style.css";

// The page: a training run that the controls start, step and pause, and the panels that
// show it. Training runs in slices of at most ~12 ms between animation frames, so the page
// stays responsive; the costlier views (the hand-derived pass, the other convention, the
// graph, whose layout runs in a worker) are refreshed less often while it plays.

/** Examples of the step's mini-batch that the graph is traced on (so every matrix stays readable). */
const GRAPH_EXAMPLES = 16;

const parsed = parseQuery(location.search);
let settings: PageSettings = parsed.settings;
let custom: CustomActivation | undefined;
let session: TrainingSession;
let playing = false;
let selectedNode: number | undefined;
let explanation: GradientExplanation | undefined;
let lastInspection = 0;
let lastGraph = 0;
let codeGenerationRefused = false;

const stepsOut = h("output", { id: "steps", "aria-label": "steps taken" });
const lossOut = h("output", { id: "loss", "aria-label": "loss" });
const accuracyOut = h("output", { id: "accuracy", "aria-label": "accuracy" });
const environment = h("p", { class: "environment", id: "environment" });
const message = h("p", { class: "problem", role: "alert", id: "message" });
if (parsed.problems.length > 0) message.textContent = `Ignored in the address: ${parsed.problems.join("; ")}`;

const controls = controlsView(settings, {
  change: (next, restart) => {
    settings = next;
    history.replaceState(null, "", `?${toQuery(settings)}`);
    if (restart) restartSession();
    else refresh(true);
  },
  play: () => play(),
  pause: () => pause(),
  step: () => {
    pause();
    trainSteps(1);
    refresh(true);
  },
  reset: () => {
    pause();
    restartSession();
  },
});

const boundary = boundaryView();
const curves = curvesView();
const details = nodeDetails();
const graph = graphView((id) => {
  selectedNode = id;
  if (explanation) {
    details.show(explanation, id);
    details.element.scrollIntoView({ block: "nearest" });
    graph.draw(explanation, id);
  }
});
const handView = handVersusTapeView();
const conventions = conventionsView();
const activation = activationForm({ forward: settings.customForward, derivative: settings.customDerivative }, (forward, derivative) => {
  controls.useCustomActivation(forward, derivative);
});

document.body.append(
  h(
    "header",
    { class: "top" },
    h("h1", {}, "tapegrad: backprop you can watch"),
    h("p", { class: "tagline" }, "A small network trained live in your browser by tapegrad's own engine: its graph, its gradients, and backprop by hand beside the tape."),
  ),
  h(
    "main",
    {},
    h("aside", { class: "sidebar" }, controls.element),
    h(
      "div",
      { class: "content" },
      panel(
        "training",
        "Training",
        null,
        h("div", { class: "status" }, controls.buttons, h("span", {}, "step ", stepsOut), h("span", {}, "loss ", lossOut), h("span", {}, "accuracy ", accuracyOut)),
        message,
        h("div", { class: "training-views" }, boundary.element, curves.element),
        environment,
      ),
      panel(
        "graph-panel",
        "The computational graph",
        `The network and its loss as the tape recorded them, traced on the step's mini-batch (its first ${GRAPH_EXAMPLES} examples at most): small tensors in full, larger ones as heat-maps (blue negative, red positive).`,
        h("div", { class: "graph-layout" }, details.element, graph.element),
      ),
      panel(
        "hand",
        "Backprop by hand beside the tape",
        "On all the examples at the current weights: the hand-derived formulas of the chosen convention, layer by layer from the output back, next to the tape's gradients. Plant a mistake in the settings to see where they part.",
        handView.element,
      ),
      panel("conventions", "Both conventions, side by side", "The same network with examples as columns and as rows: every shape and every gradient is the other's transpose, and the loss is the same.", conventions.element),
      panel("custom", "An activation of your own", "Write g(z) and the derivative you worked out; the page checks your g′ against finite differences and the tape before you train with it.", activation.element),
    ),
  ),
);

function describeEnvironment(): void {
  const wasm = wasmSimdAvailable();
  document.body.dataset.matmul = wasm ? "wasm" : "js";
  replaceChildren(
    environment,
    `Matrix products: ${wasm ? "WebAssembly SIMD (for the larger ones)" : "JavaScript loops (WebAssembly is not allowed or not available here)"}. `,
    codeGenerationRefused ? "This page's policy refuses generated code, so tapegrad runs its plain loops. " : "",
    "Everything runs on this page: no server.",
  );
}
document.addEventListener("securitypolicyviolation", (event) => {
  if (event.blockedURI === "eval" && !codeGenerationRefused) {
    codeGenerationRefused = true;
    document.body.dataset.codegen = "refused";
    describeEnvironment();
  }
});

function readCustom(): CustomActivation | undefined {
  const read = readCustomActivation(settings.customForward, settings.customDerivative);
  return "activation" in read ? read.activation : undefined;
}

function restartSession(): void {
  custom = readCustom();
  if (settings.activation === "custom" && custom === undefined) {
    message.textContent = "The custom activation does not parse: fix it below, or choose another activation.";
    settings = { ...settings, activation: "tanh" };
  }
  session = new TrainingSession(settings, custom);
  selectedNode = undefined;
  lastGraph = 0;
  refresh(true);
}

function trainSteps(n: number): boolean {
  try {
    for (let i = 0; i < n; i++) session.step();
    return true;
  } catch (error) {
    pause();
    message.textContent = (error as Error).message;
    return false;
  }
}

function graphBatch(): { X: typeof session.data.X; Y: typeof session.data.Y } {
  const batch = session.lastBatch;
  const m = session.settings.convention === "row" ? batch.inputs.shape[0] : batch.inputs.shape[1];
  if (m <= GRAPH_EXAMPLES) return { X: batch.inputs, Y: batch.targets };
  const first = takeExamples(batch, Array.from({ length: GRAPH_EXAMPLES }, (_, i) => i), session.settings.convention);
  return { X: first.inputs, Y: first.targets };
}

/** Redraws the views; `all` also the hand-derived pass, the other convention and the graph (else only when they are due). */
function refresh(all: boolean): void {
  const now = performance.now();
  const point = session.history[session.history.length - 1];
  stepsOut.textContent = String(session.steps);
  stepsOut.dataset.value = String(session.steps);
  lossOut.textContent = formatNumber(point.loss);
  lossOut.dataset.value = String(point.loss);
  lossOut.dataset.initial = String(session.history[0].loss);
  accuracyOut.textContent = formatPercent(point.accuracy);
  accuracyOut.dataset.value = String(point.accuracy);
  boundary.draw(session);
  curves.draw(session.history);
  if (all || now - lastInspection > 400) {
    lastInspection = now;
    const { X, Y } = session.data;
    try {
      handView.draw(handVersusTape(session.model, X, Y, { mistake: settings.mistake, layer: settings.mistakeLayer }, custom), settings.output, settings.convention);
      conventions.draw(bothConventions(session.model, X, Y), settings.output);
    } catch (error) {
      message.textContent = `The hand-derived pass failed: ${(error as Error).message}`;
    }
  }
  if (all || now - lastGraph > 1500) {
    lastGraph = now;
    const { X, Y } = graphBatch();
    const model = session.model;
    explanation = explainGradients((p: Params, x, y) => model.loss(p, x, y), [model.params, X, Y], { parameters: [0], names: ["", "X", "Y"] });
    graph.draw(explanation, selectedNode);
    if (selectedNode !== undefined) details.show(explanation, selectedNode);
  }
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
/** Lets the browser paint and handle input: a macrotask, which also runs in a hidden tab. */
const yieldToBrowser = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function play(): Promise<void> {
  if (playing) return;
  playing = true;
  controls.setPlaying(true);
  while (playing) {
    const start = performance.now();
    while (playing && performance.now() - start < 12) if (!trainSteps(1)) break;
    refresh(false);
    await nextFrame();
  }
}

function pause(): void {
  playing = false;
  controls.setPlaying(false);
}

/** `?steps=N`: train N steps in slices, then report on the page for automation. */
async function automate(steps: number): Promise<void> {
  document.body.dataset.status = "training";
  let done = 0;
  while (done < steps) {
    const start = performance.now();
    while (done < steps && performance.now() - start < 12) {
      if (!trainSteps(1)) {
        document.body.dataset.status = "failed";
        return;
      }
      done++;
    }
    refresh(false);
    await yieldToBrowser();
  }
  refresh(true);
  document.body.dataset.status = "done";
}

restartSession();
describeEnvironment();
if (parsed.steps !== undefined) void automate(parsed.steps);
else document.body.dataset.status = "ready";
