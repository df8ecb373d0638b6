import { avgPool2d as averagePool, formatShape, maxPool2d as maximumPool, type Pair, type Tensor } from "@tapegrad/core";
import { checkLayerName, type Layer, type LayerDescription, type ParameterSpec, type Params } from "../layer";
import { pairOf, withLayerName } from "./conv";

/** Options of {@link maxPool2d} and {@link avgPool2d}: PyTorch's `MaxPool2d` / `AvgPool2d` arguments and defaults. */
export interface Pool2dLayerOptions {
  /** The layer's name (it owns no parameters, but names it in errors and in saved models). */
  name: string;
  /** The window: a number or [h, w]. */
  kernelSize: Pair;
  /** The step between windows: a number or [h, w]; the kernel size by default. */
  stride?: Pair;
  /** Padding on each side: a number or [h, w], at most half the kernel; 0 by default. */
  padding?: Pair;
}

/** What a pooling layer is, as saved with weights. */
export interface PoolDescription extends LayerDescription {
  /** `"maxPool2d"` or `"avgPool2d"`. */
  kind: "maxPool2d" | "avgPool2d";
  /** The layer's name. */
  name: string;
  /** [KH, KW]. */
  kernelSize: [number, number];
  /** [stride along H, along W]. */
  stride: [number, number];
  /** [padding along H, along W]. */
  padding: [number, number];
}

/**
 * Max pooling over images [N, C, H, W] (examples on axis 0; the layer is row-major), giving
 * [N, C, oH, oW] with oH = ⌊(H + 2·padding − KH) / stride⌋ + 1: core's `maxPool2d`
 * (PyTorch's `nn.MaxPool2d`, padding as −∞). The gradient goes to each window's first
 * maximum. No parameters.
 * @example `new MaxPool2d({ name: "pool1", kernelSize: 2 }) // or maxPool2d({...})`
 */
export class MaxPool2d implements Layer {
  /** Always `"maxPool2d"`. */
  readonly kind = "maxPool2d";
  /** The layer's name. */
  readonly name: string;
  /** [KH, KW]. */
  readonly kernelSize: [number, number];
  /** [stride along H, along W]. */
  readonly stride: [number, number];
  /** [padding along H, along W]. */
  readonly padding: [number, number];

  /** Use {@link maxPool2d}. */
  constructor(options: Pool2dLayerOptions) {
    ({ name: this.name, kernelSize: this.kernelSize, stride: this.stride, padding: this.padding } = poolWindow("maxPool2d", options));
  }

  /** None: pooling has no parameters. */
  parameterSpecs(): Record<string, ParameterSpec> {
    return {};
  }

  /** The pooled images: [N, C, oH, oW]. */
  apply(_params: Params, x: Tensor): Tensor {
    checkImages(this, x);
    return withLayerName(this, () => maximumPool(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding }));
  }

  /** The layer as saved with weights. */
  describe(): PoolDescription {
    return describePool(this);
  }
}

/**
 * Average pooling over images [N, C, H, W] (examples on axis 0; the layer is row-major),
 * giving [N, C, oH, oW]: core's `avgPool2d` (PyTorch's `nn.AvgPool2d` with
 * count_include_pad, so padding counts as zeros and each window is divided by KH·KW).
 * No parameters.
 * @example `new AvgPool2d({ name: "pool", kernelSize: 2 }) // or avgPool2d({...})`
 */
export class AvgPool2d implements Layer {
  /** Always `"avgPool2d"`. */
  readonly kind = "avgPool2d";
  /** The layer's name. */
  readonly name: string;
  /** [KH, KW]. */
  readonly kernelSize: [number, number];
  /** [stride along H, along W]. */
  readonly stride: [number, number];
  /** [padding along H, along W]. */
  readonly padding: [number, number];

  /** Use {@link avgPool2d}. */
  constructor(options: Pool2dLayerOptions) {
    ({ name: this.name, kernelSize: this.kernelSize, stride: this.stride, padding: this.padding } = poolWindow("avgPool2d", options));
  }

  /** None: pooling has no parameters. */
  parameterSpecs(): Record<string, ParameterSpec> {
    return {};
  }

  /** The pooled images: [N, C, oH, oW]. */
  apply(_params: Params, x: Tensor): Tensor {
    checkImages(this, x);
    return withLayerName(this, () => averagePool(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding }));
  }

  /** The layer as saved with weights. */
  describe(): PoolDescription {
    return describePool(this);
  }
}

/**
 * A max-pooling layer (see {@link MaxPool2d}).
 * @example
 * ```ts
 * const pool = maxPool2d({ name: "pool1", kernelSize: 2 });
 * pool.apply({}, randn([8, 6, 28, 28])).shape; // [8, 6, 14, 14]
 * ```
 */
export function maxPool2d(options: Pool2dLayerOptions): MaxPool2d {
  return new MaxPool2d(options);
}

/**
 * An average-pooling layer (see {@link AvgPool2d}).
 * @example
 * ```ts
 * const pool = avgPool2d({ name: "pool", kernelSize: 2, stride: 1 });
 * pool.apply({}, randn([8, 6, 5, 5])).shape; // [8, 6, 4, 4]
 * ```
 */
export function avgPool2d(options: Pool2dLayerOptions): AvgPool2d {
  return new AvgPool2d(options);
}

/** The name and window of a pooling layer, checked once when the layer is made. */
function poolWindow(kind: string, options: Pool2dLayerOptions): { name: string; kernelSize: [number, number]; stride: [number, number]; padding: [number, number] } {
  checkLayerName(kind, options?.name);
  const where = `${kind} layer '${options.name}'`;
  if (options.kernelSize === undefined) throw new Error(`${where}: give a kernelSize, e.g. ${kind}({ name: "${options.name}", kernelSize: 2 })`);
  const kernelSize = pairOf(where, "kernelSize", options.kernelSize, 1);
  const stride = pairOf(where, "stride", options.stride ?? kernelSize, 1);
  const padding = pairOf(where, "padding", options.padding ?? 0, 0);
  for (let a = 0; a < 2; a++) {
    if (2 * padding[a] > kernelSize[a]) {
      throw new Error(`${where}: padding ${JSON.stringify(options.padding)} is more than half the kernel size ${JSON.stringify(options.kernelSize)} (PyTorch's rule: padding ≤ kernelSize/2)`);
    }
  }
  return { name: options.name, kernelSize, stride, padding };
}

function checkImages(layer: { kind: string; name: string }, x: Tensor): void {
  if (x?.rank !== 4) throw new Error(`${layer.kind} layer '${layer.name}' expects images of shape [N, C, H, W], got ${x?.shape ? formatShape(x.shape) : String(x)}`);
}

function describePool(layer: MaxPool2d | AvgPool2d): PoolDescription {
  return { kind: layer.kind, name: layer.name, kernelSize: [...layer.kernelSize], stride: [...layer.stride], padding: [...layer.padding] };
}
