// Loads the built @tapegrad/core, @tapegrad/nn, @tapegrad/nn/node, @tapegrad/onnx and @tapegrad/onnx/node (dist/, not src/) as CommonJS in plain Node.
const { grad, square, sum, tensor } = require("@tapegrad/core");
const { gradcheck } = require("@tapegrad/core/testing");

const [dx] = grad((x) => sum(square(x)))(tensor([1, 2]));
if (dx.toArray().join() !== "2,4" || !gradcheck(square, [tensor([0.5, -1])]).ok) {
  throw new Error("the CJS build of @tapegrad/core gives wrong gradients");
}
console.log("CJS build of @tapegrad/core: ok");

const { mlp, fit, sgd, xor } = require("@tapegrad/nn");
const model = mlp({ sizes: [2, 4, 1], hidden: "tanh", output: "sigmoid", convention: "row", seed: 0 });
const history = fit(model, xor({ convention: "row" }), { epochs: 300, optimizer: sgd({ learningRate: 1 }) });
if (history.accuracy.at(-1) !== 1) throw new Error("the CJS build of @tapegrad/nn does not learn XOR");
console.log("CJS build of @tapegrad/nn: ok");

const { loadModel, saveWeights } = require("@tapegrad/nn/node");
const { Model, modelFromWeights, serializeWeights } = require("@tapegrad/nn");
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");
const folder = mkdtempSync(join(tmpdir(), "tapegrad-built-"));
try {
  saveWeights(model, join(folder, "weights.json"));
  const loaded = loadModel(join(folder, "weights.json"));
  // One Model class across both entries (a shared chunk), and the same weights back.
  if (!(loaded instanceof Model) || serializeWeights(loaded) !== serializeWeights(model) || serializeWeights(modelFromWeights(serializeWeights(model))) !== serializeWeights(model)) {
    throw new Error("the CJS build of @tapegrad/nn/node does not load back what it saved");
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
console.log("CJS build of @tapegrad/nn/node: ok");

const { decodeOnnx, toOnnx } = require("@tapegrad/onnx");
const { saveOnnx } = require("@tapegrad/onnx/node");
const { readFileSync } = require("node:fs");
const onnxFolder = mkdtempSync(join(tmpdir(), "tapegrad-built-"));
try {
  const bytes = saveOnnx(join(onnxFolder, "xor.onnx"), model, tensor([[0, 1]]), { dynamicBatch: true });
  const types = decodeOnnx(readFileSync(join(onnxFolder, "xor.onnx"))).graph.node.map((node) => node.op_type).join();
  if (bytes.length !== toOnnx(model, tensor([[0, 1]]), { dynamicBatch: true }).length || types !== "MatMul,Add,Tanh,MatMul,Add,Sigmoid") {
    throw new Error(`the CJS build of @tapegrad/onnx exports the XOR network wrongly (${types})`);
  }
} finally {
  rmSync(onnxFolder, { recursive: true, force: true });
}
console.log("CJS build of @tapegrad/onnx and @tapegrad/onnx/node: ok");
