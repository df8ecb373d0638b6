import { formatShape, registeredOps, Tensor, type DType, type GraphNode } from "@tapegrad/core";
import { INT64_MAX, GraphBuilder, typedArrayBytes } from "./builder";
import { isBackwardOp, OP_EXPORTS, type EmitContext } from "./ops";
import type { ToOnnxOptions } from "./options";
import { DATA_TYPE, type DimensionMessage, type GraphMessage, type ValueInfoMessage } from "./proto";
import { describeNode, type BatchPlan, type Trace, type Target } from "./trace";

// From the traced graph to ONNX's: each node's value gets a name, each op its nodes (through
// the table in ops.ts), parameters and constants become initialisers.

/** Builds the ONNX graph of one trace (with the traces that check it). */
export class Converter {
  private readonly g = new GraphBuilder();
  private readonly names: (string | undefined)[];
  private batchSize: string | undefined;
  private readonly batchFactors = new Map<number, string>();
  /** For each node, the edges out of it. */
  private readonly uses: { to: number; inputIndex: number }[][];

  constructor(
    private readonly target: Target,
    private readonly traced: Trace,
    private readonly again: Trace | undefined,
    private readonly batch: BatchPlan | undefined,
    private readonly opset: number,
    private readonly options: ToOnnxOptions,
  ) {
    this.names = traced.graph.nodes.map(() => undefined);
    this.uses = traced.graph.nodes.map(() => []);
    for (const { from, to, inputIndex } of traced.graph.edges) this.uses[from].push({ to, inputIndex });
  }

  convert(): GraphMessage {
    const { nodes } = this.traced.graph;
    const live = this.liveNodes();
    const inputs = this.declareInputs();
    const outputNames = this.outputNames();
    // An op node that is an output writes its result under the output's name directly.
    const claimed = new Set<number>();
    this.traced.outputs.forEach(({ node }, k) => {
      if (nodes[node].kind === "op" && !claimed.has(node)) {
        claimed.add(node);
        this.names[node] = this.g.unique(outputNames[k]);
      }
    });
    const softmaxes = this.findSoftmaxes();
    const covered = new Set([...softmaxes.values()].flatMap((fused) => fused.covers));
    for (const node of nodes) {
      if (!live.has(node.id) || covered.has(node.id)) continue;
      const fused = softmaxes.get(node.id);
      if (fused !== undefined) {
        this.names[node.id] ??= this.g.unique(fused.opType.toLowerCase());
        this.g.node(fused.opType, [this.names[fused.input]!], { axis: fused.axis }, this.names[node.id]);
      } else if (node.kind === "parameter") this.parameter(node);
      else if (node.kind === "constant") this.constant(node);
      else if (node.kind === "op") this.op(node);
    }
    const outputs = this.traced.outputs.map(({ node }, k) => {
      let name = this.names[node]!;
      if (name !== outputNames[k]) name = this.g.node("Identity", [name], {}, this.g.unique(outputNames[k]));
      return this.valueInfo(name, nodes[node]);
    });
    return {
      name: this.options.graphName ?? "tapegrad",
      node: this.g.nodes,
      initializer: this.g.initializers,
      input: inputs,
      output: outputs,
    };
  }

  /** The nodes the outputs depend on. */
  private liveNodes(): Set<number> {
    const live = new Set<number>();
    const stack = this.traced.outputs.map((o) => o.node);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (live.has(id)) continue;
      live.add(id);
      stack.push(...this.traced.inputsOf[id]);
    }
    return live;
  }

  private declareInputs(): ValueInfoMessage[] {
    const inputNodes = this.traced.graph.nodes.filter((node) => node.kind === "input");
    const given = this.options.inputNames;
    if (given !== undefined && given.length !== inputNodes.length) {
      throw new Error(`toOnnx: inputNames gives ${given.length} name(s), but ${this.target.what} has ${inputNodes.length} input tensor(s) (${inputNodes.map((n) => n.label || "input").join(", ")})`);
    }
    return inputNodes.map((node, k) => {
      const name = given?.[k] ?? safeName(node.label, "input");
      if (this.g.has(name)) throw new Error(`toOnnx: two inputs are named '${name}'; give inputNames unique names`);
      this.names[node.id] = this.g.unique(name);
      return this.valueInfo(this.names[node.id]!, node);
    });
  }

  private outputNames(): string[] {
    const outputs = this.traced.outputs;
    const given = this.options.outputNames;
    if (given !== undefined && given.length !== outputs.length) {
      throw new Error(`toOnnx: outputNames gives ${given.length} name(s), but ${this.target.what} returns ${outputs.length} tensor(s)`);
    }
    const names = outputs.map(({ path }, k) => given?.[k] ?? safeName(path, "output"));
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name) || this.g.has(name)) throw new Error(`toOnnx: the output name '${name}' is used twice (or by an input); give outputNames unique names`);
      seen.add(name);
    }
    return names;
  }

  private valueInfo(name: string, node: GraphNode): ValueInfoMessage {
    const axes = this.batch?.axes[node.id];
    const dim = node.shape.map((size, axis): DimensionMessage => {
      const k = axes?.get(axis);
      return k === undefined ? { dim_value: size } : { dim_param: k === 1 ? "batch" : `${k}*batch` };
    });
    return { name, type: { tensor_type: { elem_type: DATA_TYPE[node.value.dtype], shape: { dim } } } };
  }

  private parameter(node: GraphNode): void {
    const name = this.g.unique(safeName(node.label, "param"));
    this.names[node.id] = this.g.initializer(name, typedArrayBytes(node.value.data, node.value.dtype), node.shape, node.value.dtype);
  }

  private constant(node: GraphNode): void {
    const shift = this.maxShift(node);
    if (shift !== undefined) {
      this.names[node.id] = shift;
      return;
    }
    if (this.again !== undefined && !sameTensor(node.value, this.again.graph.nodes[node.id].value)) {
      const view = this.viewOf(node);
      if (view !== undefined) {
        this.names[node.id] = view;
        return;
      }
      throw new Error(
        `toOnnx: ${this.consumerOf(node)} takes a tensor computed from the inputs off the tape (in noGrad, through stopGradient, from .data, ` +
          `or by int32 ops such as transposing int32 inputs, which the tape does not record), which the ONNX graph would hold as a constant. ` +
          `Compute it with tensor ops on the tape (int32 inputs straight into gather, embedding or where), or pass checkConstants: false if it does not depend on the inputs`,
      );
    }
    const given = this.target.constantNames.get(node.value.data) ?? (isTellingLabel(node.label) ? node.label : "");
    const name = this.g.unique(safeName(given, "const"));
    const axes = this.batch?.axes[node.id];
    if (this.batch !== undefined) {
      const other = this.batch.trace.graph.nodes[node.id].value;
      const value = uniformValue(node.value);
      if (axes !== undefined && axes.size > 0) {
        if (value === undefined || uniformValue(other) !== value) {
          throw new Error(
            `toOnnx: dynamicBatch: ${this.consumerOf(node)} takes a constant of shape ${formatShape(node.shape)}, which follows the batch size and does not hold one value everywhere; ` +
              `export with a fixed batch (dynamicBatch: false)`,
          );
        }
        const dtype = node.value.dtype;
        this.names[node.id] = this.g.node("Expand", [this.g.scalar(value, dtype), this.shapeTensor(node.shape, axes, "expand")], {}, name);
        return;
      }
      if (!sameTensor(node.value, other)) {
        throw new Error(
          `toOnnx: dynamicBatch: ${this.consumerOf(node)} takes a constant whose values depend on the batch size (a mean over the examples?); ` +
            `export with a fixed batch (dynamicBatch: false)`,
        );
      }
    }
    this.names[node.id] = this.g.initializer(name, typedArrayBytes(node.value.data, node.value.dtype), node.shape, node.value.dtype);
  }

  /**
   * logSoftmax (and so softmax) subtracts max_axis x computed off the tape, for stability:
   * a constant c feeding sub(x, c) that is x's maximum over some axes, on every trace. Gives
   * x's node and the axes, or undefined for any other constant.
   */
  private maxShiftOf(node: GraphNode): { x: number; axes: number[] } | undefined {
    const uses = this.consumers(node.id);
    if (uses.length !== 1 || uses[0].inputIndex !== 1) return undefined;
    const consumer = this.traced.graph.nodes[uses[0].to];
    if (consumer.op?.name !== "sub" || !isBuiltin(consumer)) return undefined;
    const x = this.traced.inputsOf[consumer.id][0];
    const traces = [this.traced, this.again, this.batch?.trace].filter((t): t is Trace => t !== undefined);
    if (!traces.every((t) => isMaximumOf(t.graph.nodes[node.id].value, t.graph.nodes[x].value))) return undefined;
    const xShape = this.traced.graph.nodes[x].shape;
    return { x, axes: node.shape.flatMap((size, axis) => (size === 1 && xShape[axis] !== 1 ? [axis] : [])) };
  }

  /**
   * A constant that shares its storage with a node of the graph is that node's values (through
   * stopGradient, or a reshape in noGrad): its name, reshaped if need be; undefined otherwise.
   */
  private viewOf(node: GraphNode): string | undefined {
    const storage = node.value.data;
    const source = this.traced.graph.nodes.find((n) => n.kind !== "constant" && n.id < node.id && n.value.data === storage && this.names[n.id] !== undefined);
    if (source === undefined) return undefined;
    if (source.shape.join() === node.shape.join()) return this.names[source.id];
    return this.g.node("Reshape", [this.names[source.id]!, this.shapeTensor(node.shape, this.batch?.axes[node.id], "reshape")], {}, this.g.unique("view"));
  }

  /** The edges out of a node. */
  private consumers(id: number): { to: number; inputIndex: number }[] {
    return this.uses[id];
  }

  /**
   * softmax and logSoftmax as the tape records them, so that each exports as one node:
   * s = x − c (c the max-shift), ls = s − log Σ_axis exp(s), and for softmax exp(ls). Maps
   * the node of the result to the ONNX op, its input and axis, and the nodes it stands for.
   */
  private findSoftmaxes(): Map<number, { opType: "Softmax" | "LogSoftmax"; input: number; axis: number; covers: number[] }> {
    const found = new Map<number, { opType: "Softmax" | "LogSoftmax"; input: number; axis: number; covers: number[] }>();
    const { nodes } = this.traced.graph;
    const outputs = new Set(this.traced.outputs.map((o) => o.node));
    const only = (id: number, op: string, inputIndex = 0): number | undefined => {
      const uses = this.consumers(id);
      const next = uses.length === 1 ? nodes[uses[0].to] : undefined;
      return next !== undefined && uses[0].inputIndex === inputIndex && next.op?.name === op && isBuiltin(next) && !outputs.has(id) ? next.id : undefined;
    };
    for (const c of nodes) {
      if (c.kind !== "constant") continue;
      const shift = this.maxShiftOf(c);
      if (shift === undefined) continue;
      const s = this.consumers(c.id)[0].to;
      const uses = this.consumers(s);
      const e = uses.find((u) => nodes[u.to].op?.name === "exp" && u.inputIndex === 0)?.to;
      const ls = uses.find((u) => nodes[u.to].op?.name === "sub" && u.inputIndex === 0)?.to;
      if (uses.length !== 2 || e === undefined || ls === undefined || outputs.has(s) || !isBuiltin(nodes[e]) || !isBuiltin(nodes[ls])) continue;
      const t = only(e, "sum");
      const l = t === undefined ? undefined : only(t, "log");
      if (t === undefined || l === undefined || only(l, "sub", 1) !== ls) continue;
      const { axes, keepDims } = nodes[t].attrs as { axes: number[]; keepDims: boolean };
      if (axes.length !== 1 || !keepDims || !(shift.axes.length === 0 ? nodes[shift.x].shape[axes[0]] === 1 : shift.axes.join() === axes.join())) continue;
      const covers = [c.id, s, e, t, l];
      const p = only(ls, "exp");
      if (p === undefined) found.set(ls, { opType: "LogSoftmax", input: shift.x, axis: axes[0], covers });
      else found.set(p, { opType: "Softmax", input: shift.x, axis: axes[0], covers: [...covers, ls] });
    }
    return found;
  }

  /** A max-shift constant (see {@link Converter.maxShiftOf}) as ReduceMax(x); undefined for any other constant. */
  private maxShift(node: GraphNode): string | undefined {
    const shift = this.maxShiftOf(node);
    if (shift === undefined) return undefined;
    const { x, axes } = shift;
    if (axes.length === 0) return this.names[x];
    const out = this.g.unique("max_shift");
    if (this.opset >= 18) return this.g.node("ReduceMax", [this.names[x]!, this.g.int64s(axes)], { keepdims: 1 }, out);
    return this.g.node("ReduceMax", [this.names[x]!], { axes, keepdims: 1 }, out);
  }

  private op(node: GraphNode): void {
    const opName = node.op!.name;
    const known = opName !== "name" && Object.hasOwn(OP_EXPORTS, opName) && isBuiltin(node);
    const entry = node.named ? OP_EXPORTS.name : known ? OP_EXPORTS[opName] : undefined;
    if (entry === undefined) throw unsupportedOp(node);
    const inputIds = this.traced.inputsOf[node.id];
    this.checkBatchAttrs(node);
    const out = this.names[node.id] ?? this.g.unique(safeName(node.named ? node.label : opName, "value"));
    this.names[node.id] = out;
    const g = this.g;
    const context: EmitContext = {
      op: opName,
      attrs: node.attrs,
      inputs: inputIds.map((id) => this.names[id]!),
      inputShapes: inputIds.map((id) => this.traced.graph.nodes[id].shape),
      inputDTypes: inputIds.map((id) => this.traced.graph.nodes[id].value.dtype as DType),
      shape: node.shape,
      dtype: node.value.dtype as DType,
      opset: this.opset,
      graph: g,
      out,
      node: (opType, inputs, attributes = {}, output) => g.node(opType, inputs, attributes, output ?? g.unique(`${out}/${opType}`)),
      outputShape: (use) => this.shapeTensor(node.shape, this.batch?.axes[node.id], use),
      sliceEnds: (begin, size) => this.sliceEnds(node, inputIds[0], begin, size),
    };
    entry.emit(context);
  }

  /** With a symbolic batch, an op's attributes must not change with it, except the shapes the exporter rewrites. */
  private checkBatchAttrs(node: GraphNode): void {
    if (this.batch === undefined) return;
    const op = node.op!.name;
    const other = this.batch.trace.graph.nodes[node.id].attrs as Record<string, unknown> | undefined;
    const mine = node.attrs as Record<string, unknown> | undefined;
    const rewritten = op === "reshape" || op === "broadcastTo" ? ["shape"] : op === "slice" ? ["size"] : [];
    const strip = (attrs: Record<string, unknown> | undefined) => JSON.stringify(attrs === undefined ? null : Object.fromEntries(Object.entries(attrs).filter(([key]) => !rewritten.includes(key))));
    if (strip(mine) !== strip(other)) {
      throw new Error(
        `toOnnx: dynamicBatch: the attributes of ${describeNode(node)} change with the batch size (${JSON.stringify(mine)} for a batch of ${this.batch.size}, ` +
          `${JSON.stringify(other)} for ${this.batch.size + 1}); export with a fixed batch (dynamicBatch: false)`,
      );
    }
  }

  private sliceEnds(node: GraphNode, input: number, begin: readonly number[], size: readonly number[]): (number | bigint)[] {
    const inputShape = this.traced.graph.nodes[input].shape;
    const inputAxes = this.batch?.axes[input];
    return begin.map((start, axis) => {
      if (inputAxes?.has(axis)) {
        if (start === 0 && size[axis] === inputShape[axis]) return INT64_MAX;
        throw new Error(
          `toOnnx: dynamicBatch: ${describeNode(node)} takes part of axis ${axis}, whose size follows the batch (elements ${start} … ${start + size[axis] - 1} of ${inputShape[axis]}); ` +
            `export with a fixed batch (dynamicBatch: false)`,
        );
      }
      return start + size[axis];
    });
  }

  /** A shape as an int64 tensor: a constant, with −1 for Reshape's one batch-sized axis, or computed from the batch size. */
  private shapeTensor(shape: readonly number[], axes: Map<number, number> | undefined, use: "reshape" | "expand"): string {
    if (axes === undefined || axes.size === 0) return this.g.int64s(shape);
    if (use === "reshape" && axes.size === 1) return this.g.int64s(shape.map((d, a) => (axes.has(a) ? -1 : d)));
    const parts: string[] = [];
    let run: number[] = [];
    shape.forEach((d, a) => {
      const k = axes.get(a);
      if (k === undefined) return void run.push(d);
      if (run.length > 0) parts.push(this.g.int64s(run));
      run = [];
      parts.push(this.batchTimes(k));
    });
    if (run.length > 0) parts.push(this.g.int64s(run));
    return this.g.node("Concat", parts, { axis: 0 }, this.g.unique("shape"));
  }

  /** k·batch as a 1-D int64 tensor of one element, read from the first batched input's shape. */
  private batchTimes(k: number): string {
    const known = this.batchFactors.get(k);
    if (known !== undefined) return known;
    if (this.batchSize === undefined) {
      const inputIds = this.traced.graph.nodes.filter((n) => n.kind === "input").map((n) => n.id);
      const k0 = this.target.batchAxes.findIndex((axis) => axis !== null);
      const axis = this.target.batchAxes[k0]!;
      this.batchSize = this.g.node("Shape", [this.names[inputIds[k0]]!], { start: axis, end: axis + 1 }, this.g.unique("batch_size"));
    }
    const name = k === 1 ? this.batchSize : this.g.node("Mul", [this.batchSize, this.g.int64s([k])], {}, this.g.unique(`batch_size_times_${k}`));
    this.batchFactors.set(k, name);
    return name;
  }

  private consumerOf(node: GraphNode): string {
    const edge = this.uses[node.id][0];
    if (edge === undefined) return `constant ${node.id}`;
    return `input ${edge.inputIndex} of ${describeNode(this.traced.graph.nodes[edge.to])}`;
  }
}

// ---- Helpers --------------------------------------------------------------------------------

/** Whether the traced op is tapegrad's own op of that name (not an op of your own that shares it). */
function isBuiltin(node: GraphNode): boolean {
  const registered = registeredOps().get(node.op!.name)?.definition;
  return registered !== undefined && registered.formula === node.op!.formula && registered.vjpFormula === node.op!.vjpFormula;
}

function unsupportedOp(node: GraphNode): Error {
  const name = node.op!.name;
  if (isBackwardOp(name) && isBuiltin(node)) {
    return new Error(
      `toOnnx: ${describeNode(node)} is a backward-pass op (a part of some op's vjp): the function computes gradients while it runs. ` +
        `Export the forward pass alone (a function of the inputs and weights that returns its output), and compute gradients where the model runs`,
    );
  }
  return new Error(
    `toOnnx: ${describeNode(node)} is not an op this exporter knows: an op of your own (defineOp or customVjp), which ONNX has no node for. ` +
      `Export a version of the function that computes it with built-in ops (each traces to ONNX nodes), or export the parts before and after it as separate models`,
  );
}

/** A tensor path or label as an ONNX name: `layer1.W` stays, `[0]` becomes `<base>_0`. */
function safeName(label: string, base: string): string {
  const text = label.startsWith("[") ? `${base}${label}` : label;
  const clean = text.replace(/\[(\d+)\]/g, "_$1").replace(/\["?([^"\]]*)"?\]/g, ".$1").replace(/[^A-Za-z0-9_.:/-]/g, "_");
  return clean === "" ? base : clean;
}

/** Whether a constant's label names it (a constant's own name) rather than describing its value. */
function isTellingLabel(label: string): boolean {
  return label !== "constant" && !/everywhere$/.test(label) && Number.isNaN(Number(label));
}

function sameTensor(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

/** The one value a tensor holds everywhere, or undefined. */
function uniformValue(t: Tensor): number | undefined {
  const data = t.data;
  if (data.length === 0) return undefined;
  for (let i = 1; i < data.length; i++) if (!Object.is(data[i], data[0])) return undefined;
  return data[0];
}

/** Whether c (of x's rank, 1 on some axes) is x's maximum over the axes where c has size 1, keeping them. */
function isMaximumOf(c: Tensor, x: Tensor): boolean {
  if (c.rank !== x.rank || c.dtype !== x.dtype || c.shape.some((d, a) => d !== 1 && d !== x.shape[a])) return false;
  const expected = new Float64Array(c.size).fill(-Infinity);
  const xs = x.data;
  const rank = x.rank;
  const index = new Array<number>(rank).fill(0);
  const cStrides = new Array<number>(rank);
  for (let a = rank - 1, stride = 1; a >= 0; a--) {
    cStrides[a] = stride;
    stride *= c.shape[a];
  }
  for (let i = 0; i < xs.length; i++) {
    let at = 0;
    for (let a = 0; a < rank; a++) if (c.shape[a] !== 1) at += index[a] * cStrides[a];
    if (xs[i] > expected[at] || Number.isNaN(xs[i])) expected[at] = xs[i];
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a] < x.shape[a]) break;
      index[a] = 0;
    }
  }
  const cs = c.data;
  for (let i = 0; i < cs.length; i++) if (!Object.is(cs[i], expected[i]) && !(cs[i] === expected[i])) return false;
  return true;
}
