import type { OutputKind } from "@tapegrad/nn";
import { formatDifference } from "../src/format";
import { formulas, plantedFormula, type HandVersusTape } from "../src/inspection";
import { h, math, replaceChildren } from "./dom";
import { matrixView } from "./matrix-view";

// Backprop by hand beside the tape: for each layer, from the output back to the input, the
// formulas of the convention with their live matrices, the tape's gradients next to the
// hand-derived ones, and how far apart they are. A planted mistake is shown where it is,
// and the first layer (in backward order) where the two disagree is named.

const TOLERANCE = 1e-9;

/** Substitutes the layer number into a formula written for layer l. */
function at(formula: string, l: number): string {
  return formula.replace(/\[l−1\]/g, `[${l - 1}]`).replace(/\[l\]/g, `[${l}]`);
}

/** The panel's body and a function that redraws it. */
export function handVersusTapeView() {
  const agreement = h("p", { id: "agreement", class: "agreement", "aria-live": "polite" });
  const divergence = h("p", { id: "first-divergence", class: "divergence", "aria-live": "polite" });
  const layers = h("div", { class: "layers" });
  const element = h("div", {}, agreement, divergence, layers);

  const draw = (result: HandVersusTape, output: OutputKind, convention: "row" | "column") => {
    const f = formulas(convention, output);
    const planted = plantedFormula(result.planted, convention, output);
    const L = result.hand.layers.length;
    const ok = result.comparison.ok;
    agreement.dataset.value = String(result.maxDifference);
    replaceChildren(
      agreement,
      h("strong", {}, `max |hand − tape| = ${formatDifference(result.maxDifference)}`),
      ok ? ` · the two agree (≤ ${TOLERANCE} and 10⁻⁷ relative) in every layer` : " · they disagree",
      h("span", { class: "hint" }, result.hand.source === "manualBackprop" ? " · hand side: @tapegrad/nn's manualBackprop" : " · hand side: the same formulas, run by the page"),
    );
    divergence.dataset.layer = result.firstDisagreeingLayer === undefined ? "" : String(result.firstDisagreeingLayer);
    divergence.dataset.planted = result.planted.mistake === "none" ? "" : `${result.planted.mistake}@${result.planted.layer}`;
    if (planted) {
      replaceChildren(
        divergence,
        "Planted: ",
        math(planted.wrong),
        " instead of ",
        math(planted.right),
        ". ",
        result.firstDisagreeingLayer === undefined
          ? "The gradients still agree."
          : h("strong", {}, `First disagreement in backward order: layer ${result.firstDisagreeingLayer}`),
        result.hand.failure ? ` — the hand pass stopped at ${result.hand.failure.quantity}: ${result.hand.failure.message}` : "",
      );
    } else {
      replaceChildren(divergence, result.firstDisagreeingLayer === undefined ? "No mistake planted: choose one in the settings to see where backprop goes wrong." : h("strong", {}, `First disagreement in backward order: layer ${result.firstDisagreeingLayer}`));
    }

    const rows = new Map(result.comparison.rows.map((row) => [row.name, row]));
    const cards: HTMLElement[] = [];
    for (let l = L; l >= 1; l--) {
      const hand = result.hand.layers[l - 1];
      const W = rows.get(`layer${l}.W`);
      const b = rows.get(`layer${l}.b`);
      const disagrees = (W && !W.ok) || (b && !b.ok);
      const first = result.firstDisagreeingLayer === l;
      const dZFormula = l === L ? f.dZOutput.replace(/\[L\]/g, `[${L}]`) : at(f.dZHidden, l);
      const formulaLines = [dZFormula, at(f.dW, l), at(f.db, l), ...(l > 1 ? [at(f.dAPrev, l)] : [])];
      const plantedHere = planted !== undefined && result.planted.layer === l;
      const card = h(
        "article",
        { class: `layer${disagrees ? " disagrees" : ""}${first ? " first" : ""}`, "data-layer": l, "aria-label": `layer ${l}` },
        h("h3", {}, `layer ${l}${l === L ? " (output)" : ""}`, disagrees ? h("span", { class: "badge bad" }, first ? "first disagreement" : "disagrees") : h("span", { class: "badge good" }, "agrees")),
        h("ul", { class: "formulas" }, ...formulaLines.map((line) => h("li", {}, math(line)))),
        plantedHere ? h("p", { class: "planted" }, "planted here: ", math(planted!.wrong)) : null,
        h(
          "div",
          { class: "matrices" },
          matrixView(hand.dZ, { caption: `dZ^[${l}] (hand)` }),
          matrixView(hand.dW, { caption: `dW^[${l}] (hand)` }),
          matrixView(result.tape.grads[`layer${l}.W`], { caption: `dW^[${l}] (tape)` }),
          matrixView(hand.db, { caption: `db^[${l}] (hand)` }),
          matrixView(result.tape.grads[`layer${l}.b`], { caption: `db^[${l}] (tape)` }),
          l > 1 ? matrixView(hand.dAPrev, { caption: `dA^[${l - 1}] (hand)` }) : null,
        ),
        h(
          "p",
          { class: "differences" },
          `max |dW hand − tape| = ${W ? formatDifference(W.maxAbsDifference) : "—"}${W?.problem ? ` (${W.problem})` : ""} · `,
          `max |db hand − tape| = ${b ? formatDifference(b.maxAbsDifference) : "—"}${b?.problem ? ` (${b.problem})` : ""}`,
        ),
      );
      cards.push(card);
    }
    replaceChildren(layers, ...cards);
  };

  return { element, draw };
}
