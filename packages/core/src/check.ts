import { notATensor } from "./shape";
import { Tensor } from "./tensor";

/**
 * Throws unless `value` is a tensor, naming the op and the argument (the check every op's
 * wrapper makes at the API boundary).
 * @internal
 */
export function checkTensor(opName: string, label: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw notATensor(opName, label, value);
}
