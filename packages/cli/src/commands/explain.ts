import { explainGradients, name, type Tensor } from "@tapegrad/core";
import { activationFunction, type Dense, type Params } from "@tapegrad/nn";
import { writeTextAtomically } from "@tapegrad/nn/node";
import { integerOption, parseOptions, readInput, type Command } from "../args";
import { InputError } from "../errors";
import type { Io } from "../progress";
import { renderDot } from "../render";
import { parseSpec, specBatch, specModel } from "../spec";

const HELP = `usage: tapegrad explain <spec.json> [--out explained.svg]

Explains the gradient of the spec's network on a small batch, step by step as the backward
pass computes it. The cotangent of a tensor T is ∂J/∂T, the derivative of the loss J with
respect to T. The table lists every op of the forward pass in backward order, from the loss
(whose cotangent is the seed ∂J/∂J = 1) back to the parameters: its local vjp formula, the
shape of g (the cotangent of its output) and of the cotangents it sends to its inputs, the
axes summed where a bias was broadcast, and where cotangents from several consumers were
added. Each layer's Z^[l] and A^[l] appear under those names.

The picture shows the forward graph with every tensor's value and gradient (all of them
for small tensors, the minimum and maximum for larger ones). An --out path ending in .dot
writes Graphviz DOT instead of SVG.

options:
  --out FILE       where to write the picture (default explained.svg)
  --batch N        examples in the batch (default 4)
`;

async function run(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions("explain", args, { out: { type: "string" }, batch: { type: "string" } }, 1);
  const spec = parseSpec(readInput(positionals[0]), positionals[0]);
  const model = specModel(spec);
  const { inputs, targets } = specBatch({ ...spec, batchSize: integerOption("explain", "batch", values.batch, 4) });
  const layers = model.layers as readonly Dense[];
  // The mlp's forward pass with each layer's Z^[l] and A^[l] named, so the table shows them by name.
  const loss = (p: Params, X: Tensor, Y: Tensor) => {
    let A = X;
    let Z = X;
    layers.forEach((layer, i) => {
      Z = name(layer.linear(p, A), `Z${i + 1}`);
      if (i < layers.length - 1) A = name(activationFunction(layer.activation, model.convention)(Z), `A${i + 1}`);
    });
    return model.lossOf(Z, Y);
  };
  const explanation = explainGradients(loss, [model.params, inputs, targets], { parameters: [0], names: ["", "X", "Y"] });
  const title = `${spec.sizes.join("-")} network, ${spec.convention} convention, ${spec.output} output: every tensor's value and gradient`;
  io.out(`${positionals[0]}: sizes ${JSON.stringify(spec.sizes)}, hidden ${spec.hidden.join(",") || "none"}, ${spec.output} output, ${spec.convention} convention, batch of ${inputs.shape[spec.convention === "row" ? 0 : 1]}; J = ${Number(explanation.value.item().toPrecision(6))}\n\n`);
  io.out(`${explanation.table()}\n\n`);
  const dot = explanation.toDot({ title });
  const file = values.out ?? "explained.svg";
  try {
    writeTextAtomically(file, file.endsWith(".dot") ? dot : await renderDot(dot));
  } catch (error) {
    throw new InputError(`${file}: cannot be written (${(error as Error).message})`);
  }
  io.out(`Wrote ${file}: ${explanation.steps.length} backward steps\n`);
  return 0;
}

/** `tapegrad explain <spec.json>`: the backward pass of a network spec, step by step, and a picture of every value and gradient. */
export const explain: Command = { help: HELP, run };
