import type { OutputKind } from "@tapegrad/nn";
import { formatDifference, formatNumber, formatShape } from "../src/format";
import { formulas, type BothConventions } from "../src/inspection";
import { h, math, replaceChildren } from "./dom";
import { matrixView } from "./matrix-view";

// The same network in both conventions, side by side: the shapes, the formulas and the
// tape's gradients, which are each other's transposes (and the loss the same number).

/** The panel's body and a function that redraws it. */
export function conventionsView() {
  const check = h("p", { id: "convention-check", class: "agreement", "aria-live": "polite" });
  const columns = h("div", { class: "conventions" });
  const element = h("div", {}, check, columns);

  const draw = (both: BothConventions, output: OutputKind) => {
    check.dataset.value = String(both.maxTransposeDifference);
    check.dataset.loss = String(both.lossDifference);
    replaceChildren(
      check,
      h("strong", {}, `max |dW_row − dW_colᵀ| = ${formatDifference(both.maxTransposeDifference)}`),
      ` over every parameter · J = ${formatNumber(both.row.tape.loss, 8)} in both (|difference| ${formatDifference(both.lossDifference)})`,
    );
    const side = (name: "row" | "column") => {
      const { model, tape, X, Y } = both[name];
      const f = formulas(name, output);
      const L = model.layers.length;
      const layers = [];
      for (let l = L; l >= 1; l--) {
        const W = model.params[`layer${l}.W`];
        const b = model.params[`layer${l}.b`];
        layers.push(
          h(
            "div",
            { class: "convention-layer" },
            h("h4", {}, `layer ${l}: W ${formatShape(W.shape)}, b ${formatShape(b.shape)}`),
            h("ul", { class: "formulas" }, h("li", {}, math(f.forward.replace(/\[l−1\]/g, `[${l - 1}]`).replace(/\[l\]/g, `[${l}]`))), h("li", {}, math(f.dW.replace(/\[l−1\]/g, `[${l - 1}]`).replace(/\[l\]/g, `[${l}]`)))),
            h("div", { class: "matrices" }, matrixView(tape.grads[`layer${l}.W`], { caption: `dW^[${l}]` }), matrixView(tape.grads[`layer${l}.b`], { caption: `db^[${l}]` })),
          ),
        );
      }
      return h(
        "div",
        { class: `convention-side ${name}`, "data-convention": name },
        h("h3", {}, name === "row" ? "rows: examples as rows" : "columns: examples as columns"),
        h("p", {}, `X ${formatShape(X.shape)}, Y ${formatShape(Y.shape)} · `, math(f.dZOutput)),
        ...layers,
      );
    };
    replaceChildren(columns, side("column"), side("row"));
  };

  return { element, draw };
}
