import { Tensor } from "./tensor";

// Trees of tensors ("pytrees"): a tensor, or arrays, plain objects and Maps of them,
// nested to any depth. Gradient APIs take and return them; other containers are refused
// rather than silently left without gradients.

/**
 * A tensor, or arrays, plain objects and Maps of them, nested to any depth (a "pytree"):
 * for example a model's parameters as `{ "hidden.W": W1, "hidden.b": b1 }`.
 */
export type TensorTree =
  | Tensor
  | readonly TensorTree[]
  | { readonly [key: string]: TensorTree }
  | ReadonlyMap<string | number, TensorTree>;

/**
 * Rebuilds `tree` (a tensor, or arrays, plain objects and Maps of them) with `onTensor`
 * applied to each tensor (with its path in the tree, such as `layers[0].W`, after `path`)
 * and `onOther` to every other leaf (kept as it is by default). An instance of a class
 * that holds tensors is refused: its tensors could not be given back in its place.
 * @example `mapTensors({ W, b }, (t) => mul(t, 2)) // { W: 2W, b: 2b }`
 */
export function mapTensors(
  tree: unknown,
  onTensor: (x: Tensor, path: string) => unknown,
  onOther: (value: unknown) => unknown = (value) => value,
  path = "",
): unknown {
  if (tree instanceof Tensor) return onTensor(tree, path);
  if (Array.isArray(tree)) return tree.map((item, i) => mapTensors(item, onTensor, onOther, `${path}[${i}]`));
  if (tree instanceof Map) {
    return new Map([...tree].map(([key, item]) => [key, mapTensors(item, onTensor, onOther, `${path}[${JSON.stringify(key)}]`)]));
  }
  if (isPlainObject(tree)) {
    const child = (key: string) => (path === "" ? key : `${path}.${key}`);
    return Object.fromEntries(Object.entries(tree).map(([key, item]) => [key, mapTensors(item, onTensor, onOther, child(key))]));
  }
  if (typeof tree === "object" && tree !== null && holdsTensors(tree, new Set())) {
    const kind = tree.constructor?.name ?? "object";
    const example = tree instanceof Set ? "[...set]" : "{ ...instance }";
    throw new Error(
      `${/^[AEIOU]/.test(kind) ? "an" : "a"} ${kind} instance${path ? ` at '${path}'` : ""} holds tensors, but gradients can only be given back for ` +
        `tensors in arrays, plain objects and Maps; pass its tensors in one of those (for example ${example})`,
    );
  }
  return onOther(tree);
}

/**
 * The tensors in `tree`, in the order `mapTensors` visits them.
 * @example `collectTensors({ W, layers: [b1, b2] }) // [W, b1, b2]`
 */
export function collectTensors(tree: unknown): Tensor[] {
  const found: Tensor[] = [];
  mapTensors(tree, (x) => found.push(x));
  return found;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether an object other than a plain container holds a tensor, at any depth (in its properties, arrays, Maps and Sets). */
function holdsTensors(value: unknown, seen: Set<object>): boolean {
  if (value instanceof Tensor) return true;
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value) || seen.has(value)) return false;
  seen.add(value);
  const items = value instanceof Map || value instanceof Set ? [...value.values()] : Object.values(value);
  return items.some((item) => holdsTensors(item, seen));
}
