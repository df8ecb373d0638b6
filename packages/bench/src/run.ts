// pnpm run bench: every case in a fresh process per library, alternating the libraries'
// order from case to case; the table of medians and ratios is printed, written to
// results/latest.md and to docs/benchmarks.md. Nothing in those files is typed by hand.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { resolve } from "node:path";
import { benchCases, librariesFor, LIBRARIES, SINGLE_THREAD, type BenchCase } from "./cases";
import { networkProblem, referenceNetworkLoss } from "./networks";
import { median, mlpProblem, referenceFirstLoss, type Measurement } from "./workloads";

const KERNEL_LIMIT =
  "the kernel is 128-bit WebAssembly SIMD with separate multiplies and adds (fused multiply-add is in relaxed SIMD, which Node 20 does not enable); threads can at most double the one-thread figure beside it, and packing the operands stays on the calling thread";
const STEP_LIMIT =
  "jax-js's jit compiles the whole step into one WebAssembly program, with no dispatch per op and its element-wise work fused, where tapegrad runs each op eagerly and allocates each output";

const quick = process.argv.includes("--quick");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);
const here = import.meta.dirname;
const tsx = resolve(here, "../../../node_modules/.bin/tsx");
/** A case that takes longer than this in one process is reported as timed out. */
const timeLimit = (benchCase: BenchCase) => (benchCase.kind === "chain" ? 60_000 : 150_000);

type Outcome = { measurement?: Measurement; failure?: string };
const results = new Map<string, Map<string, Outcome>>();
const cases = benchCases(quick).filter((c) => !only || c.id.includes(only));
const started = performance.now();

// --from-raw: rebuild the report from the figures the last full run kept in results/raw.json
// (after a change to the report itself), instead of measuring again.
const fromRaw = process.argv.includes("--from-raw");
const rawFile = resolve(here, "../results/raw.json");
let measuredMinutes: number | undefined;
let measuredOn: string | undefined;
if (fromRaw) {
  if (quick || only) throw new Error("bench: --from-raw rebuilds the full report; it takes neither --quick nor --only");
  const raw = JSON.parse(readFileSync(rawFile, "utf8")) as { machine?: string; minutes?: number; results?: Record<string, Record<string, Outcome>> };
  measuredMinutes = raw.minutes;
  measuredOn = raw.machine;
  for (const [id, row] of Object.entries(raw.results ?? (raw as Record<string, Record<string, Outcome>>))) results.set(id, new Map(Object.entries(row)));
}

if (!fromRaw) cases.forEach((benchCase, index) => {
  const libraries = librariesFor(benchCase);
  const order = index % 2 === 0 ? libraries : [...libraries].reverse();
  const row = new Map<string, Outcome>();
  for (const library of order) {
    const t = performance.now();
    const child = spawnSync(tsx, ["--conditions=@tapegrad/source", "--expose-gc", resolve(here, "worker.ts"), library, JSON.stringify(benchCase)], {
      encoding: "utf8",
      timeout: timeLimit(benchCase),
      maxBuffer: 64 * 2 ** 20,
      env: library === SINGLE_THREAD ? { ...process.env, TAPEGRAD_THREADS: "1" } : process.env,
    });
    const line = child.stdout?.split("\n").find((l) => l.startsWith("RESULT "));
    const last = lastLine(child.stderr);
    const outcome: Outcome = line
      ? { measurement: JSON.parse(line.slice(7)) }
      : { failure: child.error?.message.includes("ETIMEDOUT") ? `timed out after ${timeLimit(benchCase) / 1000} s` : last.startsWith("unsupported: ") ? last : `failed: ${last}` };
    row.set(library, outcome);
    process.stdout.write(`${benchCase.id} · ${library}: ${outcome.failure ?? summarize(benchCase, outcome.measurement!)} (${((performance.now() - t) / 1000).toFixed(1)} s)\n`);
  }
  results.set(benchCase.id, row);
});

// The raw results first, so that nothing measured is lost if the report below fails.
mkdirSync(resolve(here, "../results"), { recursive: true });
if (!fromRaw) measuredMinutes = (performance.now() - started) / 60000;
// Only a full run's figures are kept for --from-raw, so that a quick or partial run never stands for one.
if (!fromRaw && !quick && !only) {
  writeFileSync(rawFile, JSON.stringify({ machine: machineLine(), minutes: measuredMinutes, results: Object.fromEntries([...results].map(([k, v]) => [k, Object.fromEntries(v)])) }, null, 1));
}

/** Each training case's first loss computed independently in plain float64 JavaScript, from the same data and weights. */
const exactFirstLoss = new Map<string, number>();
for (const benchCase of cases) {
  if (benchCase.kind === "mlp") exactFirstLoss.set(benchCase.id, referenceFirstLoss(mlpProblem(benchCase.sizes, benchCase.batch, "float64", benchCase.loss)));
  if (benchCase.kind === "cnn" || benchCase.kind === "lstm" || benchCase.kind === "attention") exactFirstLoss.set(benchCase.id, referenceNetworkLoss(await networkProblem(benchCase)));
}
const mismatches = checkLosses();
const table = markdownTable();
const machine = measuredOn ?? machineLine();
const report = [
  "# Benchmarks",
  "",
  `Generated by \`pnpm run bench\`${quick ? " --quick" : ""} on ${machine}; all figures from this one run, never typed by hand.`,
  "Each library runs each case in a fresh process, on the same data and the same initial weights; the median of several runs after warm-up.",
  "Ratios are each library's figure divided by tapegrad's: for GFLOP/s above 1 means faster than tapegrad, for times above 1 means slower than tapegrad.",
  "",
  table,
  "",
  "## Targets",
  "",
  "Each target of the speed work, evaluated from the figures above:",
  "",
  ...targetLines(),
  "",
  "## Losses",
  "",
  "Losses of the first five training steps, which every library must reproduce to 1e-3 (float32) and 1e-5 (float64) relative to tapegrad's, and each library's first loss against the same loss computed independently in plain float64 JavaScript (which it must match to the same tolerance):",
  "",
  ...lossLines(),
  "",
  mismatches.length ? `**Mismatches:** ${mismatches.join("; ")}` : "All libraries computed the same losses.",
  "",
  measuredMinutes === undefined
    ? `Rebuilt with --from-raw from the figures of the last full run (results/raw.json, ${statSync(rawFile).mtime.toISOString().slice(0, 16).replace("T", " ")} UTC); its total time was not recorded.`
    : `Total time: ${measuredMinutes.toFixed(1)} minutes${fromRaw ? " (the report rebuilt with --from-raw from that run's figures in results/raw.json)" : ""}.`,
  "",
].join("\n");
process.stdout.write(`\n${report}`);
mkdirSync(resolve(here, "../results"), { recursive: true });
writeFileSync(resolve(here, "../results/latest.md"), report);
writeFileSync(resolve(here, "../results/latest.json"), JSON.stringify({ machine, quick, results: Object.fromEntries([...results].map(([k, v]) => [k, Object.fromEntries(v)])) }, null, 1));
if (!quick && !only) writeFileSync(resolve(here, "../../../docs/benchmarks.md"), report);
process.exitCode = mismatches.length ? 1 : 0;

function summarize(benchCase: BenchCase, m: Measurement): string {
  if (benchCase.kind === "matmul") return `${m.extra!.gflops.toFixed(2)} GFLOP/s`;
  if (benchCase.kind === "chain") return `${((median(m.times) * 1000) / (2 * benchCase.length)).toFixed(2)} µs per op`;
  if (benchCase.kind === "memory") return Object.entries(m.extra!).map(([k, v]) => `${k}: ${v.toFixed(1)}`).join(", ");
  return `${median(m.times).toFixed(2)} ms${m.losses ? `, losses ${m.losses.map((l) => l.toPrecision(6)).join(" ")}` : ""}`;
}

function value(benchCase: BenchCase, m: Measurement): { text: string; number: number } {
  if (benchCase.kind === "matmul") return { text: `${m.extra!.gflops.toFixed(2)} GFLOP/s`, number: m.extra!.gflops };
  if (benchCase.kind === "chain") {
    const perOp = (median(m.times) * 1000) / (2 * benchCase.length);
    return { text: `${perOp.toFixed(2)} µs/op`, number: perOp };
  }
  if (benchCase.kind === "memory") {
    const [early, late] = Object.values(m.extra!);
    return { text: `${early.toFixed(1)} → ${late.toFixed(1)} MB (${(((late - early) / early) * 100).toFixed(1)} %), ${median(m.times).toFixed(2)} ms/step`, number: late };
  }
  if (benchCase.kind === "mnist-epoch") return { text: `${(median(m.times) / 1000).toFixed(2)} s`, number: median(m.times) };
  return { text: `${median(m.times).toFixed(2)} ms/step`, number: median(m.times) };
}

function markdownTable(): string {
  const libraries = LIBRARIES;
  const lines = [`| case | ${libraries.join(" | ")} |`, `|---|${libraries.map(() => "---").join("|")}|`];
  for (const benchCase of cases) {
    const row = results.get(benchCase.id)!;
    const base = row.get("tapegrad")?.measurement;
    const cells = libraries.map((library) => {
      const outcome = row.get(library);
      if (!outcome) return "–";
      if (outcome.failure) return outcome.failure;
      const v = value(benchCase, outcome.measurement!);
      if (library === "tapegrad" || !base) return v.text;
      return `${v.text} (×${(v.number / value(benchCase, base).number).toFixed(2)})`;
    });
    lines.push(`| ${benchCase.id} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The figure of the case whose id starts with `prefix`, for `library`, if it ran. */
function machineLine(): string {
  return `${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

function figure(prefix: string, library: string): number | undefined {
  const benchCase = cases.find((c) => c.id.startsWith(prefix));
  const measurement = benchCase && results.get(benchCase.id)?.get(library)?.measurement;
  return benchCase && measurement ? value(benchCase, measurement).number : undefined;
}

interface Target {
  /** What is asked. */
  text: string;
  /** The measured figure and whether it meets the target; undefined when a figure is missing. */
  evaluate: () => { measured: string; met: boolean } | undefined;
  /** Why the target is missed, when it is: what limits the figure. */
  whyMissed: string;
}

/** A GFLOP/s figure of the run as text, or – if it did not run. */
function rate(prefix: string, library: string): string {
  return figure(prefix, library)?.toFixed(1) ?? "–";
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a / b;
}

function timeRatioTarget(prefix: string, peer: string, at: number, text: string, whyMissed: string): Target {
  return {
    text,
    whyMissed,
    evaluate: () => {
      const r = ratio(figure(prefix, "tapegrad"), figure(prefix, peer));
      return r === undefined ? undefined : { measured: `${r.toFixed(2)} × ${peer}'s time`, met: r <= at };
    },
  };
}

function gflopsTarget(prefix: string, at: number, whyMissed: string): Target {
  return {
    text: `${prefix}: at least ${at} GFLOP/s on every core (${availableParallelism()} here)`,
    whyMissed,
    evaluate: () => {
      const threaded = figure(prefix, "tapegrad");
      const single = figure(prefix, SINGLE_THREAD);
      return threaded === undefined ? undefined : { measured: `${threaded.toFixed(1)} GFLOP/s (one thread: ${single?.toFixed(1) ?? "–"})`, met: threaded >= at };
    },
  };
}

function fasterThanTarget(prefix: string, peers: string[], text: string): Target {
  return {
    text,
    whyMissed: "the unrolling of the windows (im2col), its adjoint (col2im) and the pooling run as JavaScript loops on the calling thread; only the matrix products use the WebAssembly kernel and the threads",
    evaluate: () => {
      const ratios = peers.map((peer) => [peer, ratio(figure(prefix, "tapegrad"), figure(prefix, peer))] as const);
      if (ratios.some(([, r]) => r === undefined)) return undefined;
      return { measured: ratios.map(([peer, r]) => `${r!.toFixed(2)} × ${peer}'s time`).join(", "), met: ratios.every(([, r]) => r! < 1) };
    },
  };
}

function memoryTarget(prefix: string): Target {
  return {
    text: `${prefix.trim()}: the heap after garbage collection grows by at most 5 %`,
    whyMissed: "the heap grew: something holds on to tensors between steps",
    evaluate: () => {
      const benchCase = cases.find((c) => c.id.startsWith(prefix));
      const extra = benchCase && results.get(benchCase.id)?.get("tapegrad")?.measurement?.extra;
      if (!extra) return undefined;
      const [early, late] = Object.values(extra);
      const growth = ((late - early) / early) * 100;
      return { measured: `${early.toFixed(1)} → ${late.toFixed(1)} MB (${growth.toFixed(1)} %)`, met: growth <= 5 };
    },
  };
}

function targetLines(): string[] {
  const targets: Target[] = [
    timeRatioTarget("MLP 784-256-128-10, batch 128, float32", "jax-js-jit", 0.5, "MLP 784-256-128-10 step, float32: at most 0.5 × jax-js-jit's time", STEP_LIMIT),
    timeRatioTarget(
      "MLP 784-256-128-10, batch 128, float32", "tfjs-wasm", 0.15, "MLP 784-256-128-10 step, float32: at most 0.15 × tfjs-wasm's time",
      `tfjs-wasm's matrix products run at ${rate("matmul n=1024 float32", "tfjs-wasm")} GFLOP/s at n = 1024, against ${rate("matmul n=1024 float32", SINGLE_THREAD)} for tapegrad's on one thread and ${rate("matmul n=1024 float32", "tapegrad")} on every core, so what the step can gain on it is mostly what the threads and fewer element-wise passes save`,
    ),
    gflopsTarget("matmul n=1024 float32", 60, KERNEL_LIMIT),
    gflopsTarget("matmul n=1024 float64", 30, KERNEL_LIMIT),
    {
      text: "matmul n=1024 float32: at least 1.5 × tfjs-wasm's GFLOP/s (tapegrad on every core, tfjs-wasm on its one thread)",
      whyMissed: KERNEL_LIMIT,
      evaluate: () => {
        const r = ratio(figure("matmul n=1024 float32", "tapegrad"), figure("matmul n=1024 float32", "tfjs-wasm"));
        const single = ratio(figure("matmul n=1024 float32", SINGLE_THREAD), figure("matmul n=1024 float32", "tfjs-wasm"));
        return r === undefined ? undefined : { measured: `${r.toFixed(2)} × tfjs-wasm (one thread against one: ${single?.toFixed(2) ?? "–"} ×)`, met: r >= 1.5 };
      },
    },
    fasterThanTarget("LeNet CNN training step", ["tfjs-wasm", "jax-js", "jax-js-jit"], "LeNet-style CNN training step: faster than tfjs-wasm, jax-js and jax-js-jit"),
    fasterThanTarget("conv2d forward+backward", ["tfjs-wasm", "jax-js", "jax-js-jit"], "conv2d layer forward + backward: faster than tfjs-wasm, jax-js and jax-js-jit"),
    {
      text: "1,000 × (mul, tanh) with gradient: at most 1 µs per op",
      whyMissed: "each op checks its inputs, pauses the tapes, allocates its output and records one tape entry; the backward pass adds a vjp op per op",
      evaluate: () => {
        const perOp = figure("1,000 × (mul, tanh)", "tapegrad");
        return perOp === undefined ? undefined : { measured: `${perOp.toFixed(2)} µs per op`, met: perOp <= 1 };
      },
    },
    memoryTarget(`memory: ${quick ? "1,000" : "10,000"} MLP`),
    memoryTarget(`memory: ${quick ? "1,000" : "10,000"} CNN`),
  ];
  const lines = ["| target | measured | |", "|---|---|---|"];
  const misses: string[] = [];
  for (const target of targets) {
    const result = target.evaluate();
    const verdict = result === undefined ? "not measured in this run" : result.met ? "met" : "missed";
    lines.push(`| ${target.text} | ${result?.measured ?? "–"} | ${verdict} |`);
    if (result && !result.met) misses.push(`- ${target.text}: missed (${result.measured}); ${target.whyMissed}.`);
  }
  const reported = ["LSTM step", "attention block step"].map((prefix) => {
    const peers = ["tfjs-wasm", "jax-js", "jax-js-jit"].map((peer) => [peer, ratio(figure(prefix, "tapegrad"), figure(prefix, peer))] as const);
    return `- ${prefix} (no target yet): tapegrad's time is ${peers.map(([peer, r]) => `${r === undefined ? "–" : r.toFixed(2)} × ${peer}'s`).join(", ")}.`;
  });
  return [...lines, "", ...(misses.length ? ["Where a target is missed, what limits it:", "", ...misses, ""] : []), ...reported];
}

function checkLosses(): string[] {
  const problems: string[] = [];
  for (const benchCase of cases) {
    const exact = exactFirstLoss.get(benchCase.id);
    if (exact === undefined) continue;
    const row = results.get(benchCase.id)!;
    const reference = row.get("tapegrad")?.measurement?.losses;
    // A library computing another function (other weights, architecture or loss) is off by
    // far more than 1e-3; float64 libraries differ in the accuracy of their transcendentals.
    const tolerance = "dtype" in benchCase && benchCase.dtype === "float64" ? 1e-5 : 1e-3;
    for (const [library, outcome] of row) {
      const losses = outcome.measurement?.losses;
      if (!losses) continue;
      const fromExact = Math.abs(losses[0] - exact) / Math.abs(exact);
      if (!(fromExact <= tolerance)) problems.push(`${benchCase.id}: ${library}'s first loss ${losses[0]} differs from the float64 computation's ${exact} by ${fromExact.toExponential(2)} (relative)`);
      if (!reference || library === "tapegrad") continue;
      const worst = Math.max(...losses.map((l, i) => Math.abs(l - reference[i]) / Math.abs(reference[i])));
      if (!(worst <= tolerance)) problems.push(`${benchCase.id}: ${library}'s losses differ from tapegrad's by ${worst.toExponential(2)} (relative)`);
    }
  }
  return problems;
}

function lossLines(): string[] {
  return cases.flatMap((benchCase) => {
    const exact = exactFirstLoss.get(benchCase.id);
    if (exact === undefined) return [];
    const row = [...results.get(benchCase.id)!];
    const accuracy = row
      .filter(([, o]) => o.measurement?.losses)
      .map(([library, o]) => `${library} ${(Math.abs(o.measurement!.losses![0] - exact) / exact).toExponential(1)}`)
      .join(", ");
    return [
      `- ${benchCase.id}: ${row.map(([library, o]) => `${library} ${o.measurement?.losses?.map((l) => l.toPrecision(7)).join(", ") ?? "–"}`).join("; ")}`,
      `  - first loss against an independent float64 computation (${exact.toPrecision(12)}), relative error: ${accuracy}`,
    ];
  });
}

function lastLine(text: string | null): string {
  return (text ?? "").trim().split("\n").filter(Boolean).at(-1)?.slice(0, 200) ?? "no output";
}
