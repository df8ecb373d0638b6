import type { Tensor } from "@tapegrad/core";
import { gradcheck } from "@tapegrad/core/testing";
import type { Params } from "../src";

/** gradcheck of a loss over named parameters, in a fixed name order. */
export function gradcheckParams(loss: (params: Params) => Tensor, params: Params) {
  const names = Object.keys(params);
  return gradcheck((...values: Tensor[]) => loss(Object.fromEntries(names.map((name, i) => [name, values[i]]))), names.map((name) => params[name]));
}
