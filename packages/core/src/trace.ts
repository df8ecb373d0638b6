import { onesLike, Tensor } from "./tensor";
import { add } from "./ops/binary";
import { identity } from "./ops/movement";
import { makeOp, type InputKind, type OpDefinition } from "./op";
import { checkTensor } from "./check";
import { backward, Tape, withTape } from "./tape";
import { mapTensors } from "./tree";
import { formatShape } from "./shape";

/**
 * What a node of a traced graph stands for: an argument (a parameter or an input), a
 * constant, an op of the forward or of the backward pass, or the seed of the backward pass,
 * ∂J/∂J = 1.
 */
export type GraphNodeKind = "parameter" | "input" | "constant" | "op" | "backward-op" | "seed";

/** What a graph node knows of the op that made it: its definition's name, input names and formulas. */
export interface GraphOp {
  /** The op's name. */
  readonly name: string;
  /** The names of its inputs, when the definition gives them. */
  readonly inputNames?: readonly string[];
  /** What each input holds (`'value'` unless the definition says otherwise). */
  readonly inputKinds?: readonly InputKind[];
  /** The forward computation in one line of math, when the definition gives it. */
  readonly formula?: string;
  /** The vjp in one line of math, when the definition gives it. */
  readonly vjpFormula?: string;
}

/** One node of a {@link TracedGraph}: a tensor, and the op that made it if any. */
export interface GraphNode {
  /** The node's index in `nodes`. */
  id: number;
  /** A parameter or input (an argument), a constant, an op of the forward or backward pass, or the seed. */
  kind: GraphNodeKind;
  /**
   * The op's name; the argument's name; the name given with `name(x, label)`; for a
   * constant, the name given in `constants`, its value (a scalar, or a tensor holding one
   * value everywhere), or the role its first consumer gives it (`targets` of a loss).
   */
  label: string;
  /** The shape of the tensor the node stands for. */
  shape: readonly number[];
  /** The tensor's value. */
  value: Tensor;
  /** ∂(output)/∂(this tensor), for the forward pass's nodes when the backward pass was traced. */
  gradient?: Tensor;
  /** For the backward pass's final nodes: the name of the argument this is the gradient of. */
  gradientOf?: string;
  /** For op nodes: the op that made the tensor. */
  op?: GraphOp;
  /** For op nodes: the attributes the op ran with. */
  attrs?: unknown;
  /** True for the node of a tensor named with {@link name}: its label is that name. */
  named?: boolean;
}

/** A data-flow edge: the tensor of node `from` is input `inputIndex` of node `to`. */
export interface GraphEdge {
  /** The producing node. */
  from: number;
  /** The consuming node. */
  to: number;
  /** Which input of `to` it is. */
  inputIndex: number;
}

/** A computation as recorded on the tape: nodes in execution order, and edges. */
export interface TracedGraph {
  /** Arguments and constants first, then ops in the order they ran. */
  nodes: GraphNode[];
  /** Data flow between nodes. */
  edges: GraphEdge[];
  /** The node of the function's output. */
  output: number;
  /** When the backward pass was traced: the node of its seed, ∂J/∂J = 1, where the backward ops start. */
  seed?: number;
}

/** Options of {@link traceGraph}. */
export interface TraceOptions {
  /**
   * Which arguments (by position) hold parameters; the others are inputs. When given, the
   * backward pass differentiates the parameters only, as training does. Default: none
   * (every argument is an input, and all are differentiated).
   */
  parameters?: readonly number[];
  /** Names of the arguments (by position); tensors inside records get `name.key`. Default: `x0`, `x1`, … */
  names?: readonly string[];
  /**
   * Names of tensors the function uses without taking them as arguments (targets, masks
   * it closes over), shown in place of "constant": `{ constants: { Y } }`.
   */
  constants?: Readonly<Record<string, Tensor>>;
  /** Also trace the backward pass (the output must be a scalar): its ops, and each node's gradient. */
  backward?: boolean;
}

/** The marker op of {@link name}: the identity, recorded under the name it was given. */
const nameOp = makeOp<{ label: string }>({
  name: "name",
  inputNames: ["x"],
  formula: "out = x, under a name of your own",
  vjpFormula: "dx = g",
  acceptsInt32: true,
  forward: ([x]) => x,
  vjp: (g) => [g],
});

/**
 * Gives an intermediate tensor a name: the same values, as a new node on the tape that
 * {@link traceGraph}, {@link toDot} and `explainGradients` show under that name, and whose
 * cotangent ∂J/∂(node) `explainGradients` reports as `cotangents.get(label)`. So a
 * hand-derived dZ1 can be compared with the tape's: name Z1 in the forward pass and pass
 * `{ Z1: dZ1 }` to `compareIntermediates`. Gradients pass through unchanged (dx = g).
 *
 * @example
 * ```ts
 * const loss = (p: typeof params, X: Tensor) => {
 *   const Z1 = name(add(matmul(p.W1, X), p.b1), "Z1");
 *   const A1 = name(tanh(Z1), "A1");
 *   return sum(square(matmul(p.W2, A1)));
 * };
 * explainGradients(loss, [params, X]).cotangents.get("Z1"); // ∂J/∂Z1
 * ```
 */
export function name(x: Tensor, label: string): Tensor {
  checkTensor("name", "x", x);
  if (typeof label !== "string" || label === "") throw new Error(`name: give the tensor a non-empty name, e.g. name(z, "Z1"), got ${JSON.stringify(label)}`);
  return nameOp.run([x], { label });
}

/** Input names that say nothing of a constant's role (an operand of add or matmul); others (`targets`, `condition`) do. */
const ANONYMOUS_INPUTS = new Set(["x", "y", "a", "b"]);

/**
 * Runs `f` on `args` and returns the graph the tape recorded: a node per argument tensor
 * (parameters and inputs told apart), per constant, and per op, custom ops included.
 * Constants are named by their role where the tracer can tell it: by the names given in
 * `constants`, by their value (a scalar such as the 4 of a mean over 4 examples, or a
 * tensor holding one value everywhere), or by the input they feed (a loss's `targets`).
 *
 * With `backward: true` the backward pass is traced too, from its seed ∂J/∂J = 1 (a node
 * of kind `seed`, `graph.seed`): the vjp ops it ran are recorded as `backward-op` nodes,
 * the first of them reading the seed, and every forward node carries its gradient. Render
 * it with {@link toDot}; `explainGradients` tells the same backward pass step by step.
 *
 * @example
 * ```ts
 * const graph = traceGraph((p, x) => sum(tanh(matmul(p.W, x))), [{ W }, X], { parameters: [0], names: ["p", "X"], backward: true });
 * graph.nodes.map((n) => n.label); // ["p.W", "X", "matmul", "tanh", "sum", "∂J/∂J", …]
 * const dot = toDot(graph);
 * ```
 */
export function traceGraph(f: (...args: any[]) => Tensor, args: readonly unknown[], options: TraceOptions = {}): TracedGraph {
  if (typeof f !== "function") throw new Error(`traceGraph: expects the function to trace, got ${String(f)}`);
  if (!Array.isArray(args)) throw new Error(`traceGraph: expects the arguments as an array, e.g. traceGraph(f, [params, X]), got ${String(args)}`);
  const constantNames = new Map<Tensor, string>();
  for (const [name, tensor] of Object.entries(options.constants ?? {})) {
    if (!(tensor instanceof Tensor)) throw new Error(`traceGraph: constants.${name} is ${String(tensor)}; give a Tensor the function uses`);
    constantNames.set(tensor, name);
  }
  const outer = new Tape();
  const inner = new Tape();
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const nodeOf = new Map<Tensor, number>();
  const addNode = (tensor: Tensor, kind: GraphNodeKind, label: string): number => {
    const id = nodes.length;
    nodes.push({ id, kind, label, shape: tensor.shape, value: tensor });
    nodeOf.set(tensor, id);
    return id;
  };

  const argumentNames = new Map<Tensor, string>();
  const watchedArgs = args.map((arg, position) => {
    const name = options.names?.[position] ?? `x${position}`;
    const kind: GraphNodeKind = options.parameters?.includes(position) ? "parameter" : "input";
    return mapTensors(arg, (tensor, path) => {
      const watched = identity(tensor);
      outer.watch(watched);
      if (kind === "parameter" || options.parameters === undefined) inner.watch(watched);
      addNode(watched, kind, path);
      argumentNames.set(watched, path);
      return watched;
    }, undefined, name);
  });

  const out = withTape(outer, () => withTape(inner, () => f(...watchedArgs)));
  if (!(out instanceof Tensor)) throw new Error(`traceGraph: the function returned ${String(out)}; it must return a Tensor`);
  const forwardEntries = outer.entries.length;
  let cotangents: Map<Tensor, Tensor> | undefined;
  let seed: Tensor | undefined;
  if (options.backward) {
    if (out.size !== 1) throw new Error(`traceGraph: tracing the backward pass needs a scalar output, got shape ${formatShape(out.shape)}`);
    seed = onesLike(out);
    outer.watch(seed); // so that the first vjps, which read only the seed, are recorded and connected to it
    const start = seed;
    cotangents = withTape(outer, () => backward(inner, [[out, start]], add, { retainAll: true }));
  }

  outer.entries.forEach((entry, index) => {
    if (index === forwardEntries && seed !== undefined) addNode(seed, "seed", "∂J/∂J");
    const inputIds = entry.inputs.map((input, k) => nodeOf.get(input) ?? addNode(input, "constant", constantLabel(input, constantNames, entry.op.inputNames?.[k])));
    const forward = index < forwardEntries;
    const definition = entry.op as Partial<OpDefinition<unknown>>;
    const label = entry.op === nameOp.definition ? (entry.attrs as { label: string }).label : entry.op.name;
    const id = addNode(entry.out, forward ? "op" : "backward-op", label);
    nodes[id].op = {
      name: entry.op.name,
      inputNames: entry.op.inputNames,
      inputKinds: definition.inputKinds,
      formula: definition.formula,
      vjpFormula: definition.vjpFormula,
    };
    if (entry.attrs !== undefined) nodes[id].attrs = entry.attrs;
    if (entry.op === nameOp.definition) nodes[id].named = true;
    inputIds.forEach((from, inputIndex) => edges.push({ from, to: id, inputIndex }));
  });
  if (seed !== undefined && !nodeOf.has(seed)) addNode(seed, "seed", "∂J/∂J"); // no backward op ran (J does not depend on what is differentiated)
  if (cotangents) {
    for (const node of nodes) {
      if (node.kind === "backward-op" || node.kind === "seed") continue;
      const gradient = cotangents.get(node.value);
      if (gradient !== undefined) node.gradient = gradient;
    }
    for (const [watched, name] of argumentNames) {
      const gradient = cotangents.get(watched);
      const id = gradient === undefined ? undefined : nodeOf.get(gradient);
      if (id !== undefined && nodes[id].kind === "backward-op") nodes[id].gradientOf = name;
    }
  }
  const graph: TracedGraph = { nodes, edges, output: nodeOf.get(out)! };
  if (seed !== undefined) graph.seed = nodeOf.get(seed)!;
  return graph;
}

/** A constant's label: the name it was given, its value if it holds one value, else its role as its first consumer's input. */
function constantLabel(tensor: Tensor, names: ReadonlyMap<Tensor, string>, inputName: string | undefined): string {
  const given = names.get(tensor);
  if (given !== undefined) return given;
  if (tensor.size === 1) return formatNumber(tensor.data[0]);
  const data = tensor.data;
  let uniform = data.length > 0;
  for (let i = 1; i < data.length && uniform; i++) uniform = data[i] === data[0];
  if (uniform) return `${formatNumber(data[0])} everywhere`;
  if (inputName !== undefined && !ANONYMOUS_INPUTS.has(inputName)) return inputName;
  return "constant";
}

/** Options of {@link toDot}. */
export interface DotOptions {
  /** The graph's title; none by default. */
  title?: string;
  /**
   * Each node shows its value (`= …`) and, when the backward pass was traced, its gradient
   * (`grad …`), in full, for tensors of at most this many elements; 4 by default (scalars
   * and short vectors); 0 shows none.
   */
  showValuesUpTo?: number;
  /** Direction of the layout; `"TB"` (top to bottom) by default. */
  rankdir?: "TB" | "LR";
}

const STYLE: Record<GraphNodeKind, string> = {
  parameter: 'shape=box, style="rounded,filled", fillcolor="#fde68a", color="#b45309"',
  input: 'shape=box, style="rounded,filled", fillcolor="#bfdbfe", color="#1d4ed8"',
  constant: 'shape=box, style="rounded,filled", fillcolor="#f3f4f6", color="#9ca3af", fontcolor="#4b5563"',
  op: 'shape=ellipse, style=filled, fillcolor="#ffffff", color="#374151"',
  "backward-op": 'shape=ellipse, style="filled,dashed", fillcolor="#fee2e2", color="#b91c1c"',
  seed: 'shape=box, style="rounded,filled,bold", fillcolor="#fecaca", color="#b91c1c"',
};

/**
 * The graph in Graphviz DOT: parameters as yellow boxes, inputs as blue boxes, constants
 * grey, forward ops as white ellipses and backward ops as dashed red ones; every node shows
 * its op or name and its shape, small tensors their value and gradient (see
 * {@link DotOptions.showValuesUpTo}). The output is drawn bold and labelled `J = …`; the
 * backward pass starts at it, with the seed ∂J/∂J = 1, which feeds the first backward ops;
 * the gradients of the arguments are marked ∂/∂name.
 * @example `writeFileSync("graph.dot", toDot(traceGraph(loss, [params, X], { parameters: [0], backward: true })));`
 */
export function toDot(graph: TracedGraph, options: DotOptions = {}): string {
  const showUpTo = options.showValuesUpTo ?? 4;
  const lines = [
    "digraph tapegrad {",
    `  rankdir=${options.rankdir ?? "TB"};`,
    '  graph [fontname="Helvetica", fontsize=12, nodesep=0.25, ranksep=0.35];',
    '  node [fontname="Helvetica", fontsize=10, margin="0.08,0.04"];',
    '  edge [color="#6b7280", arrowsize=0.6];',
  ];
  if (options.title) lines.push(`  label=${quote(options.title)}; labelloc=t;`);
  for (const node of graph.nodes) {
    const name = node.gradientOf ? `∂/∂${node.gradientOf}` : node.id === graph.output ? `J = ${node.label}` : node.kind === "seed" ? "∂J/∂J = 1" : node.label;
    const parts = [name, formatShape(node.shape)];
    const valueShown = node.kind !== "seed" && !(node.kind === "constant" && node.value.size === 1);
    if (valueShown && node.value.size <= showUpTo) {
      parts.push(`= ${formatValues(node.value)}`);
      if (node.gradient && node.id !== graph.output) parts.push(`grad ${formatValues(node.gradient)}`);
    }
    const extra = node.id === graph.output ? ", penwidth=2" : node.gradientOf ? ', penwidth=2, fillcolor="#fecaca"' : "";
    lines.push(`  n${node.id} [label=${quote(parts.join("\n"))}, ${STYLE[node.kind]}${extra}];`);
  }
  if (graph.seed !== undefined) {
    lines.push(`  n${graph.output} -> n${graph.seed} [style=dashed, color="#b91c1c", label=" seed", fontsize=9, fontcolor="#b91c1c"];`);
  }
  for (const edge of graph.edges) {
    const backwardEdge = graph.nodes[edge.to].kind === "backward-op";
    lines.push(`  n${edge.from} -> n${edge.to}${backwardEdge ? ' [style=dashed, color="#f87171"]' : ""};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

/**
 * A number as graph labels and tables show it: three significant digits, no trailing zeros.
 * @internal
 */
export function formatNumber(value: number): string {
  return String(Number(value.toPrecision(3)));
}

/**
 * A tensor's values as a label shows them: a scalar as a number, anything else nested as its shape is.
 * @internal
 */
export function formatValues(t: Tensor): string {
  if (t.size === 1 && t.rank === 0) return formatNumber(t.data[0]);
  const data = t.data;
  const shape = t.shape;
  const nest = (axis: number, offset: number, stride: number): string => {
    if (axis === shape.length) return formatNumber(data[offset]);
    const inner = stride / shape[axis];
    return `[${Array.from({ length: shape[axis] }, (_, i) => nest(axis + 1, offset + i * inner, inner)).join(", ")}]`;
  };
  return nest(0, 0, data.length);
}

/** Text as a quoted DOT string. @internal */
export function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}
