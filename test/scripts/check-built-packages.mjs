// Loads the built @tapegrad/core (dist/, not src/) as ES modules in plain Node.
import { grad, square, sum, tensor } from "@tapegrad/core";
import { gradcheck } from "@tapegrad/core/testing";

const [dx] = grad((x) => sum(square(x)))(tensor([1, 2]));
if (dx.toArray().join() !== "2,4" || !gradcheck(square, [tensor([0.5, -1])]).ok) {
  throw new Error("the ESM build of @tapegrad/core gives wrong gradients");
}
console.log("ESM build of @tapegrad/core: ok");
