import type { Tensor } from "./tensor";
import { formatShape } from "./shape";

// Anomaly mode: while it is on, every op's output and every vjp result is checked for
// NaN and ±Inf, and the first one found is reported with the op, the pass, the input
// shapes and where in the caller's code the op was called.

/** The op as anomaly checks see it: just its name. */
interface NamedOp {
  readonly name: string;
}

let depth = 0;
/** The ops whose vjps are running now, innermost last, with where each was called (anomaly mode only). */
const differentiating: Array<{ name: string; site: string | undefined }> = [];

/** Runs a vjp, remembering which op it differentiates so that an anomaly inside it says so. @internal */
export function duringVjp<T>(op: NamedOp, site: string | undefined, fn: () => T): T {
  if (depth === 0) return fn();
  differentiating.push({ name: op.name, site });
  try {
    return fn();
  } finally {
    differentiating.pop();
  }
}

/** Whether anomaly mode is on. @internal */
export function anomalyModeOn(): boolean {
  return depth > 0;
}

/**
 * Runs `fn` in anomaly mode: every op's output in the forward pass, and every gradient a
 * vjp returns in the backward pass, is checked for NaN and ±Inf, and the first one found
 * throws an error naming the op, the pass (forward or backward), the input shapes and the
 * line of your code that called the op. Off by default (it costs a pass over every output).
 *
 * @example
 * ```ts
 * const loss = (W: Tensor, x: Tensor) => sum(log(matmul(W, x))); // log of a negative number
 * detectAnomaly(() => grad(loss)(tensor([[1, -2]]), tensor([[1], [1]])));
 * // Error: anomaly in the forward pass: op 'log' produced NaN at flat index 0 (inputs [1, 1]) …, called at …
 * ```
 */
export function detectAnomaly<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

/** The first line of the caller's stack outside tapegrad's core, for anomaly reports. @internal */
export function callSite(): string | undefined {
  const stack = new Error().stack?.split("\n").slice(1) ?? [];
  const outside = stack.find((line) => !/[\\/]core[\\/](src|dist)[\\/]|node:internal|[\\/]node_modules[\\/]/.test(line));
  return outside?.trim().replace(/^at /, "");
}

function firstNonFinite(x: Tensor): number {
  if (x.dtype === "int32") return -1;
  const data = x.data;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

function describeValue(v: number): string {
  return Number.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}

function shapesOf(inputs: readonly Tensor[]): string {
  return inputs.map((x) => formatShape(x.shape)).join(", ");
}

/** In anomaly mode, throws if an op's output holds NaN or ±Inf. @internal */
export function checkForwardAnomaly(op: NamedOp, inputs: readonly Tensor[], out: Tensor): void {
  if (depth === 0) return;
  const at = firstNonFinite(out);
  if (at < 0) return;
  const inputsFinite = inputs.every((x) => firstNonFinite(x) < 0);
  const vjpOf = differentiating.at(-1);
  if (vjpOf !== undefined) {
    throw new Error(
      `anomaly in the backward pass: computing the vjp of op '${vjpOf.name}', op '${op.name}' produced ` +
        `${describeValue(out.data[at])} at flat index ${at} of its output ${formatShape(out.shape)} (inputs ${shapesOf(inputs)}` +
        `${inputsFinite ? ", all finite" : ", already not all finite"})` +
        (vjpOf.site ? `; '${vjpOf.name}' was called at ${vjpOf.site}` : ""),
    );
  }
  const site = callSite();
  throw new Error(
    `anomaly in the forward pass: op '${op.name}' produced ${describeValue(out.data[at])} at flat index ${at} ` +
      `of its output ${formatShape(out.shape)} (inputs ${shapesOf(inputs)}${inputsFinite ? ", all finite" : ", already not all finite"})` +
      (site ? `, called at ${site}` : ""),
  );
}

/** In anomaly mode, throws if a vjp returned a gradient holding NaN or ±Inf. @internal */
export function checkBackwardAnomaly(
  op: NamedOp & { readonly inputNames?: readonly string[] },
  inputs: readonly Tensor[],
  grads: readonly (Tensor | null)[],
  g: Tensor,
  site: string | undefined,
): void {
  if (depth === 0) return;
  grads.forEach((gradient, j) => {
    if (gradient === null) return;
    const at = firstNonFinite(gradient);
    if (at < 0) return;
    const name = op.inputNames?.[j];
    throw new Error(
      `anomaly in the backward pass: the vjp of op '${op.name}' returned ${describeValue(gradient.data[at])} at flat index ${at} ` +
        `of the gradient of input ${j}${name ? ` ('${name}')` : ""} (inputs ${shapesOf(inputs)}; the incoming gradient g ` +
        `${firstNonFinite(g) < 0 ? "was finite" : "was already not finite"})` +
        (site ? `; the op was called at ${site}` : ""),
    );
  });
}
