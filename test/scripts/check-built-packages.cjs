// Loads the built @tapegrad/core (dist/, not src/) as CommonJS in plain Node.
const { grad, square, sum, tensor } = require("@tapegrad/core");
const { gradcheck } = require("@tapegrad/core/testing");

const [dx] = grad((x) => sum(square(x)))(tensor([1, 2]));
if (dx.toArray().join() !== "2,4" || !gradcheck(square, [tensor([0.5, -1])]).ok) {
  throw new Error("the CJS build of @tapegrad/core gives wrong gradients");
}
console.log("CJS build of @tapegrad/core: ok");
