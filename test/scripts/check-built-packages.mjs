// Loads the built @tapegrad/core, @tapegrad/nn, @tapegrad/nn/node, @tapegrad/onnx and @tapegrad/onnx/node (dist/, not src/) as ES modules in plain Node.
import { grad, square, sum, tensor } from "@tapegrad/core";
import { gradcheck } from "@tapegrad/core/testing";

const [dx] = grad((x) => sum(square(x)))(tensor([1, 2]));
if (dx.toArray().join() !== "2,4" || !gradcheck(square, [tensor([0.5, -1])]).ok) {
  throw new Error("the ESM build of @tapegrad/core gives wrong gradients");
}
console.log("ESM build of @tapegrad/core: ok");

// The threads' worker source is built from the bundled functions' text: products on two
// threads must give the single-threaded kernel's bits in the built package too.
{
  const { matmul, matmulThreads, randn, setMatmulKernel, setMatmulThreads } = await import("@tapegrad/core");
  setMatmulThreads(2);
  const a = randn([300, 200], { seed: 1, dtype: "float32" }), b = randn([200, 150], { seed: 2, dtype: "float32" });
  setMatmulKernel("threads");
  const threaded = matmul(a, b).data;
  setMatmulKernel("wasm");
  const single = matmul(a, b).data;
  setMatmulKernel("auto");
  if (matmulThreads() !== 2 || !threaded.every((v, i) => v === single[i])) throw new Error("the ESM build of @tapegrad/core's threaded matmul differs from its single-threaded one");
  setMatmulThreads("auto");
  console.log("ESM build of @tapegrad/core, matmul on 2 threads: ok");
}

const { mlp, fit, sgd, xor } = await import("@tapegrad/nn");
const model = mlp({ sizes: [2, 4, 1], hidden: "tanh", output: "sigmoid", convention: "row", seed: 0 });
const history = fit(model, xor({ convention: "row" }), { epochs: 300, optimizer: sgd({ learningRate: 1 }) });
if (history.accuracy.at(-1) !== 1) throw new Error("the ESM build of @tapegrad/nn does not learn XOR");
console.log("ESM build of @tapegrad/nn: ok");

const { loadModel, saveWeights } = await import("@tapegrad/nn/node");
const { Model, modelFromWeights, serializeWeights } = await import("@tapegrad/nn");
const { mkdtempSync, rmSync } = await import("node:fs");
const { tmpdir } = await import("node:os");
const { join } = await import("node:path");
const folder = mkdtempSync(join(tmpdir(), "tapegrad-built-"));
try {
  saveWeights(model, join(folder, "weights.json"));
  const loaded = loadModel(join(folder, "weights.json"));
  // One Model class across both entries (a shared chunk), and the same weights back.
  if (!(loaded instanceof Model) || serializeWeights(loaded) !== serializeWeights(model) || serializeWeights(modelFromWeights(serializeWeights(model))) !== serializeWeights(model)) {
    throw new Error("the ESM build of @tapegrad/nn/node does not load back what it saved");
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
console.log("ESM build of @tapegrad/nn/node: ok");

// No dual-package hazard: a tensor made by the ESM build is a Tensor to the CommonJS build
// (tensors are recognised by a shared brand, not by class identity), and gradients flow.
const { createRequire } = await import("node:module");
const commonjs = createRequire(import.meta.url)("@tapegrad/core");
const esmTensor = tensor([1, 2]);
const [mixed] = commonjs.grad((x) => commonjs.sum(commonjs.mul(x, x)))(esmTensor);
if (!(esmTensor instanceof commonjs.Tensor) || !(mixed instanceof (await import("@tapegrad/core")).Tensor) || mixed.toArray().join() !== "2,4") {
  throw new Error("a tensor made by the ESM build of @tapegrad/core is refused by its CommonJS build");
}
console.log("ESM and CJS builds of @tapegrad/core accept each other's tensors: ok");

// @tapegrad/onnx: the trained XOR network exported, read back, and written all or nothing by @tapegrad/onnx/node.
const { decodeOnnx, toOnnx } = await import("@tapegrad/onnx");
const { saveOnnx } = await import("@tapegrad/onnx/node");
const { readFileSync } = await import("node:fs");
const onnxFolder = mkdtempSync(join(tmpdir(), "tapegrad-built-"));
try {
  const bytes = saveOnnx(join(onnxFolder, "xor.onnx"), model, tensor([[0, 1]]), { dynamicBatch: true });
  const types = decodeOnnx(readFileSync(join(onnxFolder, "xor.onnx"))).graph.node.map((node) => node.op_type).join();
  if (bytes.length !== toOnnx(model, tensor([[0, 1]]), { dynamicBatch: true }).length || types !== "MatMul,Add,Tanh,MatMul,Add,Sigmoid") {
    throw new Error(`the ESM build of @tapegrad/onnx exports the XOR network wrongly (${types})`);
  }
} finally {
  rmSync(onnxFolder, { recursive: true, force: true });
}
console.log("ESM build of @tapegrad/onnx and @tapegrad/onnx/node: ok");
