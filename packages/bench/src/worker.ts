// Runs one case for one library, in a process of its own, and prints one RESULT line of JSON.
import { loadAdapter, type Adapter, type TrainingStep } from "./adapters";
import { SINGLE_THREAD, type BenchCase } from "./cases";
import { cnnProblem, networkProblem, type NetworkProblem } from "./networks";
import { convProblem, median, mlpProblem, randomArray, referenceConvStep, sumOfSquares, timeIt, type Measurement } from "./workloads";

const [library, caseJson] = process.argv.slice(2);
const benchCase = JSON.parse(caseJson) as BenchCase;

async function measure(): Promise<Measurement> {
  if (benchCase.kind === "memory") return memory(benchCase.model, benchCase.steps, benchCase.batch);
  if (benchCase.kind === "mnist-epoch") return mnistEpoch();
  const adapter = await loadAdapter(library === SINGLE_THREAD ? "tapegrad" : library); // the runner sets TAPEGRAD_THREADS=1 for it
  if (benchCase.kind === "matmul") {
    const { n, dtype } = benchCase;
    const run = adapter.matmul(randomArray(n * n, 1, dtype), randomArray(n * n, 2, dtype), n, dtype);
    const times = await timeIt(run, { warmup: n >= 1024 ? 1 : 3, minRuns: n >= 1024 ? 3 : 5, minMs: 1000 });
    return { times, extra: { gflops: (2 * n ** 3) / (median(times) * 1e6) } };
  }
  if (benchCase.kind === "mlp") {
    const step = adapter.mlpTrainer(mlpProblem(benchCase.sizes, benchCase.batch, benchCase.dtype, benchCase.loss));
    const losses = Array.from({ length: 5 }, () => step());
    const times = await timeIt(step, { warmup: 2, minRuns: 10, minMs: 2000, maxRuns: 500 });
    return { times, losses };
  }
  if (benchCase.kind === "conv2d") {
    const problem = convProblem(benchCase);
    const step = adapter.conv2dStep(problem);
    const first = step();
    // The loss and the gradients' check values, each against the same computed in plain float64.
    const values = [first.loss, sumOfSquares(first.dx), sumOfSquares(first.dw)];
    const reference = referenceConvStep(problem);
    const errors = values.map((v, i) => Math.abs(v - reference[i]) / Math.abs(reference[i]));
    const names = ["the loss", "‖dx‖²", "‖dw‖²"];
    errors.forEach((error, i) => {
      if (!(error <= 1e-3)) fail(`${library}: ${names[i]} is ${values[i]}, off the float64 reference ${reference[i]} by ${error.toExponential(2)} (relative)`);
    });
    // A step takes seconds on tfjs-cpu: few repetitions keep that library's process well inside its time limit.
    const times = await timeIt(step, { warmup: 1, minRuns: 5, minMs: 2000, maxRuns: 500 });
    return { times, losses: values, extra: { "loss error": errors[0], "‖dx‖² error": errors[1], "‖dw‖² error": errors[2] } };
  }
  if (benchCase.kind === "cnn" || benchCase.kind === "lstm" || benchCase.kind === "attention") {
    const step = await trainer(adapter, await networkProblem(benchCase));
    const losses = Array.from({ length: 5 }, () => step());
    // The five steps above are the warm-up (and jax-js-jit's compilation). A step takes
    // seconds on tfjs-cpu: few repetitions keep that library well inside its time limit.
    const times = await timeIt(step, { warmup: 0, minRuns: 3, minMs: 2000, maxRuns: 500 });
    return { times, losses };
  }
  const run = adapter.opChain(randomArray(10, 4, "float32"), benchCase.length);
  // 20 chains (40,000 op applications) of warm-up: the engine compiles the ops' code paths
  // in tiers, and a chain of small ops measures the dispatch, not the first compilation.
  const times = await timeIt(run, { warmup: 20, minRuns: 5, minMs: 1000 });
  return { times };
}

/** Ends the worker with one line of explanation, the last line of its error output, which the runner reports. */
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function trainer(adapter: Adapter, problem: NetworkProblem): Promise<TrainingStep> {
  if (problem.kind === "cnn") return adapter.cnnTrainer(problem);
  if (problem.kind === "lstm") return adapter.lstmTrainer(problem);
  return adapter.attentionTrainer(problem);
}

/** The heap after garbage collection during a long training run, with no disposal anywhere. */
async function memory(model: "mlp" | "cnn", steps: number, batch: number): Promise<Measurement> {
  const adapter = await loadAdapter("tapegrad");
  const step =
    model === "mlp" ? adapter.mlpTrainer(mlpProblem([784, 256, 128, 10], batch, "float32", "softmaxCrossEntropy")) : await adapter.cnnTrainer(await cnnProblem({ batch, dtype: "float32" }));
  const heapAt: Record<string, number> = {};
  const start = performance.now();
  for (let i = 1; i <= steps; i++) {
    step();
    if (i === steps / 10 || i === steps) {
      global.gc!();
      heapAt[`heap MB after ${i} steps`] = process.memoryUsage().heapUsed / 2 ** 20;
    }
  }
  return { times: [(performance.now() - start) / steps], extra: heapAt };
}

async function mnistEpoch(): Promise<Measurement> {
  const { loadMnist } = await import("@tapegrad/cli");
  const { mlp, fit, adam } = await import("@tapegrad/nn");
  const { train } = loadMnist({ seed: 0, trainSize: 8000 });
  const model = mlp({ sizes: [784, 128, 10], hidden: "relu", output: "softmax", convention: "row", seed: 0 });
  const start = performance.now();
  fit(model, train, { epochs: 1, batchSize: 64, optimizer: adam({ learningRate: 0.001 }), seed: 0 });
  return { times: [performance.now() - start] };
}

const result = await measure().catch((error: unknown) => {
  // A library without an op says so in the table rather than failing the run.
  const missingKernel = /Kernel '(\w+)' not registered for backend/.exec(String((error as Error)?.message));
  if (missingKernel) fail(`unsupported: ${library} has no ${missingKernel[1]} kernel`);
  throw error;
});
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
