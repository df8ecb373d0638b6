import { add, concat, formatShape, mapTensors, mul, noGrad, slice, Tensor, tensor, traceGraph, type GraphNode, type TracedGraph } from "@tapegrad/core";
import { outputAxes, outputNamed, type Model } from "@tapegrad/nn";
import type { ToOnnxOptions } from "./options";

// What is traced: the model's or function's forward pass on the example inputs, and again on
// other values of the inputs (to find values computed off the tape) and on one more example
// (to find the sizes that follow the batch).

/** One trace of the function: its graph, who feeds each node, and its outputs. */
export interface Trace {
  graph: TracedGraph;
  /** For each node, the node feeding each of its inputs. */
  inputsOf: number[][];
  /** Each output tensor's node, and its path in the returned tree. */
  outputs: { node: number; path: string }[];
}

/** The function to trace, and where its inputs and weights are among its arguments. */
export interface Target {
  run: (...args: unknown[]) => unknown;
  args: unknown[];
  parameters: number[];
  names: string[];
  /** The batch axis of each input tensor, in the order traceGraph visits them. */
  batchAxes: (number | null)[];
  /** What the error messages call it. */
  what: string;
  /** Names for constants, by their storage: a model's state (batch norm's running statistics), reshaped or not. */
  constantNames: Map<unknown, string>;
}

function isModel(target: unknown): target is Model<any, any, any> {
  const candidate = target as Partial<Model> | null;
  return (
    typeof target === "object" &&
    candidate !== null &&
    typeof candidate.forward === "function" &&
    typeof candidate.params === "object" &&
    typeof candidate.convention === "string" &&
    typeof candidate.architecture === "object"
  );
}

function isRecord(value: unknown): boolean {
  return typeof value === "object" && value !== null && !(value instanceof Tensor) && !Array.isArray(value) && !(value instanceof Map);
}

export function targetOf(target: unknown, exampleInputs: unknown, options: ToOnnxOptions): Target {
  if (isModel(target)) {
    if (options.parameters !== undefined) throw new Error("toOnnx: options.parameters is for functions; a model's parameters are its own (model.params)");
    const pass = options.pass ?? "predict";
    if (pass !== "predict" && pass !== "forward") throw new Error(`toOnnx: pass must be 'predict' or 'forward', got ${JSON.stringify(pass)}`);
    const model = target;
    const run = (params: unknown, inputs: unknown) => {
      const outputs = model.forward(params as Model["params"], inputs, model.context(false));
      if (pass === "forward" || model.output === "custom") return outputs;
      return outputNamed(model.output, "toOnnx").activate(outputs as Tensor, outputAxes(outputs as Tensor, model.convention));
    };
    const inputs: Tensor[] = [];
    mapTensors(exampleInputs, (t) => inputs.push(t));
    if (inputs.length === 0) throw new Error(`toOnnx: exampleInputs must hold the model's input tensors, got ${describe(exampleInputs)}`);
    const axisOf = (t: Tensor) => (model.convention === "row" ? 0 : t.rank - 1);
    const batchAxes = givenBatchAxes(options.batchAxis, inputs) ?? inputs.map(axisOf);
    const constantNames = new Map<unknown, string>(Object.entries(model.state).map(([name, value]) => [value.data, name]));
    return { run, args: [model.params, exampleInputs], parameters: [0], names: ["", isRecord(exampleInputs) ? "" : "input"], batchAxes, what: "the model", constantNames };
  }
  if (typeof target !== "function") throw new Error(`toOnnx: expects a Model or a function of tensors, got ${describe(target)}`);
  if (options.pass !== undefined) throw new Error("toOnnx: options.pass is for models; a function's outputs are what it returns");
  const args = exampleInputs instanceof Tensor ? [exampleInputs] : exampleInputs;
  if (!Array.isArray(args)) throw new Error(`toOnnx: for a function, exampleInputs lists its arguments, e.g. toOnnx(f, [params, X]), got ${describe(exampleInputs)}`);
  const parameters = [...(options.parameters ?? [])];
  for (const p of parameters) {
    if (!Number.isInteger(p) || p < 0 || p >= args.length) {
      throw new Error(`toOnnx: options.parameters lists argument positions 0 … ${args.length - 1}, got ${JSON.stringify(options.parameters)}`);
    }
  }
  const inputPositions = args.map((_, i) => i).filter((i) => !parameters.includes(i));
  const names = args.map((arg, i) => {
    if (isRecord(arg)) return "";
    if (parameters.includes(i)) return `param${i}`;
    return inputPositions.length === 1 ? "input" : `input${i}`;
  });
  const inputs: Tensor[] = [];
  inputPositions.forEach((i) => mapTensors(args[i], (t) => inputs.push(t)));
  const batchAxes = givenBatchAxes(options.batchAxis, inputs) ?? inputs.map(() => 0);
  return { run: target as (...args: unknown[]) => unknown, args: [...args], parameters, names, batchAxes, what: "the function", constantNames: new Map() };
}

function givenBatchAxes(given: ToOnnxOptions["batchAxis"], inputs: readonly Tensor[]): (number | null)[] | undefined {
  if (given === undefined) return undefined;
  const axes = typeof given === "number" ? inputs.map(() => given) : [...given];
  if (axes.length !== inputs.length) throw new Error(`toOnnx: batchAxis lists ${axes.length} axes, but there are ${inputs.length} input tensors`);
  return axes.map((axis, k) => {
    if (axis === null) return null;
    const rank = inputs[k].rank;
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new Error(`toOnnx: batchAxis ${axis} is not an axis of input ${k}, of shape ${formatShape(inputs[k].shape)}`);
    return axis < 0 ? axis + rank : axis;
  });
}

export function traceTarget(target: Target, args: unknown[]): Trace {
  let result: unknown;
  const graph = traceGraph(
    (...watched: unknown[]) => {
      result = target.run(...watched);
      let first: Tensor | undefined;
      mapTensors(result, (t) => (first ??= t));
      if (first === undefined) throw new Error(`toOnnx: ${target.what} returned ${describe(result)}; it must return a Tensor, or an array or record of them`);
      return first;
    },
    args,
    { parameters: target.parameters, names: target.names },
  );
  const nodeOf = new Map<Tensor, number>(graph.nodes.map((node) => [node.value, node.id]));
  const inputsOf: number[][] = graph.nodes.map(() => []);
  for (const edge of graph.edges) inputsOf[edge.to][edge.inputIndex] = edge.from;
  const outputs: Trace["outputs"] = [];
  mapTensors(result, (t, path) => {
    const node = nodeOf.get(t);
    if (node === undefined) {
      const why =
        t.dtype === "int32"
          ? "it is int32 (argmax, a comparison of int32 tensors…), and the tape records no int32 result; export the scores and take argmax after running the model"
          : "it does not depend on the inputs or the weights; compute it outside the exported model";
      throw new Error(`toOnnx: output ${path === "" ? "0" : `'${path}'`} of ${target.what} (shape ${formatShape(t.shape)}) is not computed by the traced graph: ${why}`);
    }
    outputs.push({ node, path });
  });
  return { graph, inputsOf, outputs };
}

/** The target traced again with each input tensor changed by `change`. */
export function retrace(target: Target, what: string, change: (t: Tensor, k: number) => Tensor): Trace {
  let k = 0;
  const args = target.args.map((arg, i) => (target.parameters.includes(i) ? arg : mapTensors(arg, (t) => change(t, k++))));
  try {
    return traceTarget(target, args);
  } catch (error) {
    throw new Error(`toOnnx: ${target.what} failed when traced again on ${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** Other values of the same shapes: floats scaled and shifted, int32 values (indices) in reverse order. */
export function perturbed(t: Tensor): Tensor {
  return noGrad(() => {
    if (t.dtype !== "int32") return add(mul(t, 0.875), 0.0625);
    return tensor(Int32Array.from(t.data).reverse(), { shape: [...t.shape], dtype: "int32" });
  });
}

/** The tensor with its first example repeated at the end of its batch axis. */
function extended(t: Tensor, axis: number): Tensor {
  return noGrad(() => concat([t, slice(t, t.shape.map(() => 0), t.shape.map((d, a) => (a === axis ? 1 : d)))], axis));
}

export function checkSameOps(target: Target, a: Trace, b: Trace, on: string, meaning: string, remedy: string): void {
  const label = (node: GraphNode | undefined) => (node === undefined ? "nothing" : `'${node.label}'`);
  const count = Math.max(a.graph.nodes.length, b.graph.nodes.length);
  for (let i = 0; i < count; i++) {
    const x = a.graph.nodes[i];
    const y = b.graph.nodes[i];
    const sameInputs = x !== undefined && y !== undefined && a.inputsOf[i].join() === b.inputsOf[i].join();
    // Constants are labelled by their values, which may differ: compare what made each node.
    const sameLabel = x?.kind === "constant" || x?.label === y?.label;
    if (x === undefined || y === undefined || x.kind !== y.kind || !sameLabel || x.op?.name !== y.op?.name || !sameInputs) {
      throw new Error(
        `toOnnx: ${target.what} ran other ops on ${on} (step ${i}: ${label(x)} on the example inputs, ${label(y)} then), so ${meaning}; ` +
          `one ONNX graph cannot follow it. Export with ${remedy} to take the graph traced from the example inputs as it is`,
      );
    }
  }
  if (a.outputs.map((o) => o.node).join() !== b.outputs.map((o) => o.node).join()) {
    throw new Error(`toOnnx: ${target.what} returned other tensors on ${on}, so ${meaning}; export with ${remedy}`);
  }
}

// ---- The batch axis -------------------------------------------------------------------------

/** Where each node's sizes follow the batch: for each node, axis → k for a size of k·batch. */
export interface BatchPlan {
  /** The example's batch size. */
  size: number;
  /** The trace on one more example. */
  trace: Trace;
  /** Per node, the axes whose size is k·batch. */
  axes: Map<number, number>[];
}

export function batchPlan(target: Target, traced: Trace): BatchPlan {
  const inputs: Tensor[] = [];
  target.args.forEach((arg, i) => target.parameters.includes(i) || mapTensors(arg, (t) => inputs.push(t)));
  const sizes = inputs.flatMap((t, k) => (target.batchAxes[k] === null ? [] : [t.shape[target.batchAxes[k]!]]));
  if (sizes.length === 0) throw new Error("toOnnx: dynamicBatch needs an input with a batch axis (see batchAxis)");
  if (sizes.some((s) => s !== sizes[0])) {
    throw new Error(`toOnnx: dynamicBatch: the inputs' batch axes have different sizes (${sizes.join(", ")}); give every input the same number of examples, or mark an input without one with batchAxis null`);
  }
  const size = sizes[0];
  const trace = retrace(target, `a batch of ${size + 1}`, (t, k) => (target.batchAxes[k] === null ? t : extended(t, target.batchAxes[k]!)));
  checkSameOps(target, traced, trace, `a batch of ${size + 1}`, "its ops depend on the batch size", "dynamicBatch: false");
  const axes = traced.graph.nodes.map((node, id) => {
    const other = trace.graph.nodes[id].shape;
    const found = new Map<number, number>();
    if (other.length !== node.shape.length) throw batchShapeError(node, other, size, "changes rank");
    node.shape.forEach((dim, axis) => {
      const k = other[axis] - dim;
      if (k === 0) return;
      if (k < 0 || dim !== k * size) throw batchShapeError(node, other, size, `has axis ${axis} of size ${dim} for a batch of ${size} and ${other[axis]} for ${size + 1}, not a multiple of the batch size`);
      found.set(axis, k);
    });
    return found;
  });
  return { size, trace, axes };
}

function batchShapeError(node: GraphNode, other: readonly number[], size: number, what: string): Error {
  return new Error(
    `toOnnx: dynamicBatch: ${describeNode(node)} ${what} (shape ${formatShape(node.shape)} for a batch of ${size}, ${formatShape(other)} for ${size + 1}); ` +
      `export with a fixed batch (dynamicBatch: false)`,
  );
}

// ---- Messages -------------------------------------------------------------------------------

export function describeNode(node: GraphNode): string {
  const what = node.kind === "op" ? `op '${node.op!.name}'` : `${node.kind} '${node.label}'`;
  return `${what} (step ${node.id}, shape ${formatShape(node.shape)})`;
}

export function describe(value: unknown): string {
  if (value instanceof Tensor) return `a tensor of shape ${formatShape(value.shape)}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null || value === undefined) return String(value);
  return typeof value === "object" ? `an object (${value.constructor?.name ?? "Object"})` : `a ${typeof value}`;
}
