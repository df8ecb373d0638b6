import { toDot, traceGraph, type Tensor } from "@tapegrad/core";
import type { Params } from "@tapegrad/nn";
import { writeTextAtomically } from "@tapegrad/nn/node";
import { integerOption, parseOptions, readInput, type Command } from "../args";
import { InputError } from "../errors";
import type { Io } from "../progress";
import { renderDot } from "../render";
import { parseSpec, specBatch, specModel } from "../spec";

const HELP = `usage: tapegrad graph <spec.json> [--out graph.svg]

Traces one forward and backward pass of the spec's network on a small batch and draws the
tape: parameters (yellow), inputs (blue), constants (grey), forward ops (white) and the
backward pass's ops (dashed red), each with its shape; the gradients are marked ∂/∂name.
An --out path ending in .dot writes Graphviz DOT instead of SVG.

options:
  --out FILE       where to write (default graph.svg)
  --batch N        examples in the traced batch (default 4)
`;

async function run(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions("graph", args, { out: { type: "string" }, batch: { type: "string" } }, 1);
  const spec = parseSpec(readInput(positionals[0]), positionals[0]);
  const model = specModel(spec);
  const { inputs, targets } = specBatch({ ...spec, batchSize: integerOption("graph", "batch", values.batch, 4) });
  const traced = traceGraph((p: Params, x: Tensor) => model.loss(p, x, targets), [model.params, inputs], { parameters: [0], names: ["", "X"], backward: true });
  const dot = toDot(traced, { title: `${spec.sizes.join("-")} network, ${spec.convention} convention: one forward (solid) and backward (dashed) pass` });
  const file = values.out ?? "graph.svg";
  try {
    writeTextAtomically(file, file.endsWith(".dot") ? dot : await renderDot(dot));
  } catch (error) {
    throw new InputError(`${file}: cannot be written (${(error as Error).message})`);
  }
  io.out(`Wrote ${file}: ${traced.nodes.filter((n) => n.kind === "op").length} forward ops, ${traced.nodes.filter((n) => n.kind === "backward-op").length} backward ops\n`);
  return 0;
}

/** `tapegrad graph <spec.json>`: the tape of one forward and backward pass, drawn as SVG (or DOT). */
export const graph: Command = { help: HELP, run };
