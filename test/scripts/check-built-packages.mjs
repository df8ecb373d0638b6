// Loads the built @tapegrad/core and @tapegrad/nn (dist/, not src/) as ES modules in plain Node.
import { grad, square, sum, tensor } from "@tapegrad/core";
import { gradcheck } from "@tapegrad/core/testing";

const [dx] = grad((x) => sum(square(x)))(tensor([1, 2]));
if (dx.toArray().join() !== "2,4" || !gradcheck(square, [tensor([0.5, -1])]).ok) {
  throw new Error("the ESM build of @tapegrad/core gives wrong gradients");
}
console.log("ESM build of @tapegrad/core: ok");

const { mlp, fit, sgd, xor } = await import("@tapegrad/nn");
const model = mlp({ sizes: [2, 4, 1], hidden: "tanh", output: "sigmoid", convention: "row", seed: 0 });
const history = fit(model, xor({ convention: "row" }), { epochs: 300, optimizer: sgd({ learningRate: 1 }) });
if (history.accuracy.at(-1) !== 1) throw new Error("the ESM build of @tapegrad/nn does not learn XOR");
console.log("ESM build of @tapegrad/nn: ok");
