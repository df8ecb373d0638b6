// Writes docs/ops-reference.md from the op registry: every op with its forward formula and
// its vjp in one line each, grouped by the file that defines it. Run it with
// `pnpm run docs:ops`; a test regenerates the page and requires it to equal the committed one.
import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { registeredOps, type OpDefinition } from "../src/index";

const opsFolder = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "ops");

/** Functions that are compositions of other ops: their definition, and how their gradient arises. */
export const COMPOSITES: Record<string, { formula: string; gradient: string }> = {
  mean: { formula: "out = Σ_axes x / N, N the number of elements summed", gradient: "through sum and div: dx = g / N, spread over the axes" },
  softmax: { formula: "out = exp(logSoftmax(x))", gradient: "through exp and logSoftmax: dx = out·(g − Σ_axis g·out)" },
  logSoftmax: { formula: "out = (x − m) − log Σ_axis exp(x − m), m = max_axis x off the tape", gradient: "through sub, log, sum, exp: dx = g − softmax(x)·Σ_axis g" },
  unbroadcast: { formula: "out = Σ over the axes along which a tensor of the target shape was broadcast", gradient: "through sum and reshape (the one unbroadcast)" },
  binaryCrossEntropyWithLogits: { formula: "out = reduce(sigmoidCrossEntropy(z, y))", gradient: "dz = (σ(z) − y)/count for 'mean'" },
  variance: { formula: "out = mean_axes (x − mean_axes x)² (population: divided by N)", gradient: "through mean, square and sub: dx = 2(x − mean)/N·g" },
  stack: { formula: "out = concat of the inputs, each reshaped with a new axis of size 1 at axis", gradient: "through concat and reshape: each input gets its slice of g" },
  split: { formula: "outs = consecutive slices of x along axis, of the given sizes", gradient: "through slice: each part's g padded back into place" },
  conv1d: { formula: "out = conv2d of x and w reshaped with a height of 1", gradient: "through reshape and conv2d" },
  mse: { formula: "out = reduce((prediction − target)²)", gradient: "through square and sub: d prediction = 2(prediction − target)/count for 'mean'" },
};

const FAMILY_TITLES: Record<string, string> = {
  elementwise: "Element-wise functions of one tensor",
  binary: "Element-wise functions of two tensors (broadcasting)",
  reduce: "Reductions",
  movement: "Moving and reshaping",
  linalg: "Linear algebra",
  softmax: "Softmax",
  losses: "Losses",
  selection: "Selection and comparison",
  joining: "Joining and cutting",
  indexing: "Indexing by int32 tensors",
  conv: "Convolution and pooling",
};

const escape = (text: string) => text.replace(/\|/g, "\\|");

/** The page's markdown. */
export async function opsReference(): Promise<string> {
  const ops = registeredOps();
  const listed = new Set<string>();
  const sections: string[] = [];
  const files = readdirSync(opsFolder).filter((file) => file.endsWith(".ts")).sort();
  for (const file of files) {
    const family = file.replace(/\.ts$/, "");
    const module = (await import(pathToFileURL(join(opsFolder, file)).href)) as Record<string, unknown>;
    const rows: string[] = [];
    for (const [name, value] of Object.entries(module).sort(([a], [b]) => a.localeCompare(b))) {
      if (typeof value !== "function") continue;
      const definition = (value as { definition?: OpDefinition<any> }).definition ?? ops.get(name)?.definition;
      if (definition !== undefined) {
        listed.add(definition.name);
        rows.push(`| \`${name}\` | ${escape(definition.formula ?? "")} | ${escape(definition.vjpFormula ?? "")} |`);
      } else if (Object.hasOwn(COMPOSITES, name)) {
        const composite = COMPOSITES[name];
        rows.push(`| \`${name}\` (composite) | ${escape(composite.formula)} | ${escape(composite.gradient)} |`);
      } else {
        throw new Error(`ops reference: '${name}' in ops/${file} is neither a registered op nor listed in COMPOSITES; add it to one`);
      }
    }
    if (rows.length === 0) continue;
    sections.push(`## ${FAMILY_TITLES[family] ?? family} (\`ops/${file}\`)\n\n| op | forward | vjp |\n|---|---|---|\n${rows.join("\n")}\n`);
  }
  const helpers = [...ops.values()].map((op) => op.definition).filter((definition) => !listed.has(definition.name));
  if (helpers.length > 0) {
    const rows = helpers.map((d) => `| \`${d.name}\` | ${escape(d.formula ?? "")} | ${escape(d.vjpFormula ?? "")} |`);
    sections.push(`## Ops that other ops' vjps are made of\n\nNot exported: they exist so that every vjp is itself a differentiable op.\n\n| op | forward | vjp |\n|---|---|---|\n${rows.join("\n")}\n`);
  }
  return [
    "# Ops reference",
    "",
    "Every op in `@tapegrad/core`, generated from the op registry by `pnpm run docs:ops` (a test regenerates",
    "this page and fails if it differs, so it cannot drift from the code). Each row gives the forward",
    "computation and the vector-Jacobian product in one line: `g` is the gradient of the final scalar with",
    "respect to the op's output `out`, and `dx` the gradient it passes to input `x`. `unbroadcast` sums a",
    "gradient over the axes along which its input was broadcast. Composites have no rule of their own: their",
    "gradient is the chain of their parts' rules.",
    "The rows are the `formula` and `vjpFormula` fields of each op's definition, so an op you define",
    "with `defineOp` carries its own (see [Writing a custom op](custom-ops.md)):",
    "",
    "```ts",
    'import { registeredOps, gelu, grad, sum, tensor, type Tensor } from "@tapegrad/core";',
    'import { gradcheck } from "@tapegrad/core/testing";',
    'import assert from "node:assert/strict";',
    "",
    'const exp = registeredOps().get("exp")!;',
    'assert.equal(exp.definition.formula, "out = eˣ");',
    'assert.equal(exp.definition.vjpFormula, "dx = g·out");',
    "// every rule is checked against finite differences, at first and second order:",
    "assert.ok(gradcheck((x) => gelu(x), [tensor([-1.5, 0.3, 2])], { order: 2 }).ok);",
    "assert.ok(Math.abs(grad((x: Tensor) => sum(gelu(x)))(tensor([0]))[0].item() - 0.5) < 1e-15); // Φ(0) + 0·φ(0)",
    "```",
    "",
    ...sections,
  ].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "ops-reference.md");
  const page = await opsReference();
  writeFileSync(target, page);
  console.log(`wrote ${target}`);
}
