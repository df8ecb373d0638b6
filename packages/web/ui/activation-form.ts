import { grad, sum, tensor, type Tensor } from "@tapegrad/core";
import { scaleLinear } from "d3-scale";
import { line } from "d3-shape";
import { checkActivation, readCustomActivation, type CustomActivation } from "../src/custom-activation";
import { formatDifference, formatNumber } from "../src/format";
import { h, replaceChildren } from "./dom";

// An activation of your own: g(z) and the g′(z) you derived, read by a parser (never run as
// JavaScript), gradient-checked as you type, drawn, and put into the network on request.

const SVG = "http://www.w3.org/2000/svg";

/** The form, checking as you type; `use` puts the activation into the network. */
export function activationForm(initial: { forward: string; derivative: string }, use: (forward: string, derivative: string) => void) {
  const forward = h("input", { id: "custom-forward", type: "text", value: initial.forward, spellcheck: "false", autocomplete: "off", "aria-describedby": "custom-help" });
  const derivative = h("input", { id: "custom-derivative", type: "text", value: initial.derivative, spellcheck: "false", autocomplete: "off", "aria-describedby": "custom-help" });
  const result = h("div", { id: "custom-check", class: "custom-check", "aria-live": "polite" });
  const plot = document.createElementNS(SVG, "svg");
  plot.setAttribute("viewBox", "0 0 300 150");
  plot.setAttribute("class", "activation-plot");
  plot.setAttribute("role", "img");
  const button = h("button", { type: "submit", id: "use-custom" }, "Use in the network");
  const form = h(
    "form",
    { class: "activation-form", "aria-label": "a custom activation" },
    h("label", { class: "field" }, h("span", { class: "label" }, "g(z) ="), forward),
    h("label", { class: "field" }, h("span", { class: "label" }, "g′(z) ="), derivative),
    h(
      "p",
      { class: "hint", id: "custom-help" },
      "In z: numbers, + − * / ^, comparisons, c ? a : b, pi, e, and exp log sqrt abs tanh sigmoid sin cos relu softplus max min. Read by a parser, never run as code.",
    ),
    button,
    result,
    plot,
  );
  let current: CustomActivation | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const check = () => {
    const read = readCustomActivation(forward.value, derivative.value);
    forward.setAttribute("aria-invalid", String("field" in read && read.field === "forward"));
    derivative.setAttribute("aria-invalid", String("field" in read && read.field === "derivative"));
    if ("problem" in read) {
      current = undefined;
      button.disabled = true;
      result.dataset.ok = "false";
      replaceChildren(result, h("p", { class: "problem" }, `${read.field === "forward" ? "g(z)" : "g′(z)"}: ${read.problem}`));
      plot.replaceChildren();
      return;
    }
    current = read.activation;
    button.disabled = false;
    const outcome = checkActivation(current);
    result.dataset.ok = String(outcome.ok);
    result.dataset.value = String(outcome.maxDifference);
    replaceChildren(
      result,
      h("p", {}, "read as g(z) = ", h("code", {}, current.forwardText), ", g′(z) = ", h("code", {}, current.derivativeText)),
      outcome.problem
        ? h("p", { class: "problem" }, outcome.problem)
        : h(
            "p",
            { class: outcome.ok ? "good" : "problem" },
            outcome.ok ? "✓ gradcheck passes: " : "✗ gradcheck fails: ",
            `your g′ against finite differences of g (tapegrad's gradcheck, max error ${formatDifference(outcome.gradcheck?.inputs[0]?.maxAbsError ?? NaN)}), and against the tape's derivative of g: max |difference| ${formatDifference(outcome.maxDifference)}`,
            outcome.worst && !outcome.ok ? `, worst at z = ${formatNumber(outcome.worst.z, 3)} (yours ${formatNumber(outcome.worst.yours)}, tape ${formatNumber(outcome.worst.tape)})` : "",
          ),
    );
    drawPlot(plot, current);
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  };
  forward.addEventListener("input", schedule);
  derivative.addEventListener("input", schedule);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    check();
    if (current) use(forward.value, derivative.value);
  });
  check();
  return { element: form };
}

/** g, your g′ and the tape's g′ on [−3, 3]. */
function drawPlot(svg: SVGSVGElement, activation: CustomActivation): void {
  const zs = Array.from({ length: 121 }, (_, i) => -3 + i * 0.05);
  let tape: Tensor;
  try {
    tape = grad((z: Tensor) => sum(activation.activate(z)))(tensor(zs))[0];
  } catch {
    svg.replaceChildren();
    return;
  }
  const series = [
    { name: "g", values: zs.map(activation.g), className: "g" },
    { name: "your g′", values: zs.map(activation.gPrimeAt), className: "yours" },
    { name: "tape's g′", values: Array.from(tape.data), className: "tape" },
  ];
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  const low = Math.max(-5, Math.min(-1, ...finite));
  const high = Math.min(5, Math.max(1, ...finite));
  const x = scaleLinear().domain([-3, 3]).range([30, 290]);
  const y = scaleLinear().domain([low, high]).range([135, 10]).nice();
  const make = (tag: string, attributes: Record<string, string | number>, text?: string) => {
    const element = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v));
    if (text !== undefined) element.textContent = text;
    return element;
  };
  svg.replaceChildren(
    make("line", { x1: 30, x2: 290, y1: y(0), y2: y(0), class: "grid" }),
    make("line", { x1: x(0), x2: x(0), y1: 10, y2: 135, class: "grid" }),
    ...y.ticks(4).map((t) => make("text", { x: 26, y: y(t) + 3, class: "tick", "text-anchor": "end" }, formatNumber(t, 2))),
  );
  series.forEach((s, k) => {
    const d = line<number>()
      .defined((v) => Number.isFinite(v) && v >= low - 1 && v <= high + 1)
      .x((_, i) => x(zs[i]))
      .y((v) => y(Math.max(low, Math.min(high, v))))(s.values);
    if (d) svg.append(make("path", { d, class: `series ${s.className}` }));
    svg.append(make("text", { x: 40 + k * 80, y: 148, class: `legend ${s.className}` }, s.name));
  });
}
