import { gradientAgreement } from "../agreement";
import { parseOptions, readInput, type Command } from "../args";
import type { Io } from "../progress";
import { parseSpec, specBatch, specModel } from "../spec";

const HELP = `usage: tapegrad check <spec.json>

Builds the network a spec describes, draws a random batch, and prints per parameter, in
both conventions, how far the tape's gradients are from the hand-derived backprop and from
central finite differences (on a sample of entries). Exits with 1 when any difference is
beyond the spec's tolerance, so it can serve in CI.

spec fields (JSON):
  sizes        [n0, n1, ..., nL]                        required
  hidden       an activation or one per hidden layer    default "tanh"
               (sigmoid, tanh, relu, identity)
  output       "sigmoid" | "softmax" | "identity"       default "sigmoid"
  loss         binaryCrossEntropy | softmaxCrossEntropy | mse (must match output; optional)
  convention   "row" | "column"                         default "row"
  seed         integer                                  default 0
  batchSize    examples in the random batch             default 8
  dtype        "float64" | "float32"                    default "float64"
  tolerance    { "handDerived": 1e-9, "finiteDifferences": 1e-6 }  (float32: 1e-4, 1e-3)
`;

function run(args: readonly string[], io: Io): number {
  const { positionals } = parseOptions("check", args, {}, 1);
  const spec = parseSpec(readInput(positionals[0]), positionals[0]);
  const model = specModel(spec);
  const { inputs, targets } = specBatch(spec);
  const report = gradientAgreement(model, inputs, targets, { seed: spec.seed, tolerance: spec.tolerance });
  io.out(`${positionals[0]}: sizes ${JSON.stringify(spec.sizes)}, hidden ${spec.hidden.join(",") || "none"}, ${spec.output} output, ${spec.convention} convention, ${spec.dtype}, batch of ${spec.batchSize}\n\n`);
  io.out(`${report.table()}\n\n`);
  const limits = `tolerance: hand-derived ${spec.tolerance.handDerived}, finite differences ${spec.tolerance.finiteDifferences}`;
  io.out(report.ok ? `all gradients agree (${limits})\n` : `gradients DISAGREE beyond tolerance (${limits})\n`);
  return report.ok ? 0 : 1;
}

/** `tapegrad check <spec.json>`: the agreement table for a network spec; exit code 1 when gradients disagree. */
export const check: Command = { help: HELP, run };
