import { textTable } from "./format";
import { differenceOf } from "./testing/all-close";
import { broadcastShapes, formatShape, reductionAxes, shapesEqual, type Shape } from "./shape";
import { Tensor } from "./tensor";
import { formatNumber, formatValues, quote, traceGraph, type GraphNode, type TracedGraph } from "./trace";

// explainGradients tells the backward pass of a function step by step, from what the tape
// recorded (traceGraph with backward: true): which op each step differentiates, its rule,
// the shapes going in and out, where broadcasting is undone and where cotangents add up.
// compareIntermediates puts hand-derived cotangents beside the tape's, node by node.

/** Options of {@link explainGradients}. */
export interface ExplainOptions {
  /**
   * Which arguments (by position) hold parameters; the others are inputs, which are then not
   * differentiated (as in training). Default: every argument is differentiated.
   */
  parameters?: readonly number[];
  /** Names of the arguments (by position); tensors inside records get `name.key`, or `key` for the name `""`. Default: `x0`, `x1`, … */
  names?: readonly string[];
  /** Names of tensors the function uses without taking them as arguments (targets it closes over). */
  constants?: Readonly<Record<string, Tensor>>;
}

/** One input of an {@link ExplanationStep}: where the step sends a cotangent. */
export interface CotangentFlow {
  /** The input's name in the op's definition (`x`, `y`, `targets`), or `input k`. */
  input: string;
  /** The graph node of the input. */
  node: number;
  /** How the table names that node. */
  label: string;
  /** The input's shape. */
  shape: readonly number[];
  /** The shape of the cotangent this step sends it (the input's), or null when it gets none (not differentiated, an index or a mask). */
  cotangentShape: readonly number[] | null;
  /**
   * The axes of g (the output's cotangent) that the rule sums over to undo broadcasting,
   * `reductionAxes(input shape, output shape)`, where the input was broadcast to the output;
   * empty otherwise.
   */
  unbroadcastAxes: number[];
}

/** One step of the backward pass: the vjp of one op of the forward pass. */
export interface ExplanationStep {
  /** Its position in backward order, from 1. */
  step: number;
  /** The graph node of the op's output. */
  node: number;
  /** How the table names the node: `J` for the output, the name given with `name()`, else `op#node`. */
  label: string;
  /** The op's name. */
  op: string;
  /** The op's vjp in one line of math, from its definition, or `"(no formula given)"`. */
  vjpFormula: string;
  /** The shape of g, the incoming cotangent ∂J/∂out (the output's shape). */
  gShape: readonly number[];
  /** g itself. */
  g: Tensor;
  /** The op's output, as the forward pass computed it. */
  out: Tensor;
  /** How many cotangents were added to make g: the number of consumers of the output (1 without fan-out; for J, the seed). */
  contributions: number;
  /** One entry per input, in order. */
  inputs: CotangentFlow[];
}

/** A tensor that fans out: its cotangent is the sum of those of its consumers. */
export interface FanOut {
  /** Its graph node. */
  node: number;
  /** How the table names it. */
  label: string;
  /** How many cotangents were added (uses of the tensor that carry a gradient back). */
  contributions: number;
}

/** Options of {@link GradientExplanation.toDot}. */
export interface ExplanationDotOptions {
  /** The picture's title; none by default. */
  title?: string;
  /** Tensors of at most this many elements show every value and gradient; larger ones their minimum and maximum. 8 by default. */
  showValuesUpTo?: number;
  /** Direction of the layout; `"TB"` (top to bottom) by default. */
  rankdir?: "TB" | "LR";
}

/** What {@link explainGradients} returns. */
export interface GradientExplanation {
  /** J, the function's value. */
  value: Tensor;
  /** The traced graph the explanation reads (forward and backward pass). */
  graph: TracedGraph;
  /** The backward pass, one step per op of the forward pass that a cotangent reached, in backward order. */
  steps: ExplanationStep[];
  /** Every tensor whose cotangent is a sum of more than one consumer's, in forward order. */
  fanOut: FanOut[];
  /**
   * The cotangent ∂J/∂T of every named tensor T: those named with `name()` and the
   * differentiated arguments (their gradients), in backward order (the order in which the
   * backward pass completes them).
   */
  cotangents: ReadonlyMap<string, Tensor>;
  /** The steps as an aligned text table, followed by the fan-out accumulations. */
  table(): string;
  /**
   * The forward graph in Graphviz DOT, each tensor in a box with its value and its
   * gradient (micrograd's picture, for tensors), each op an ellipse; an edge along which
   * broadcasting is undone says which axes are summed. Render it with `renderDot`.
   */
  toDot(options?: ExplanationDotOptions): string;
}

/**
 * Explains the gradient of a scalar function, step by step as the backward pass computes it.
 *
 * The *cotangent* of a tensor T is ∂J/∂T, the derivative of the final scalar J with respect
 * to T: a tensor of T's shape. The backward pass starts from the seed ∂J/∂J = 1 and visits
 * the ops in reverse: each op's vjp (vector-Jacobian product) turns g, the cotangent of its
 * output, into a cotangent for each input. Where an input was broadcast to the output's
 * shape, the rule sums g over the broadcast axes (unbroadcasting); where a tensor feeds
 * several ops (fan-out), the cotangents they send it are added.
 *
 * For each step, in backward order, the explanation gives the op, its local vjp formula
 * (from the op's definition, so ops made with `defineOp` show theirs, and
 * `"(no formula given)"` where a definition has none), the shapes of g and of the
 * cotangents sent to the inputs, the axes summed by unbroadcasting, and how many
 * cotangents were added to make g. `table()` prints it; `toDot()` draws every tensor
 * with its value and gradient. Name intermediates with {@link name} to find their
 * cotangents in `cotangents`, and compare hand-derived ones with {@link compareIntermediates}.
 *
 * @example
 * ```ts
 * const X = tensor([[1, 2], [3, 4]]);
 * const loss = (p: { W: Tensor; b: Tensor }, x: Tensor) => sum(tanh(name(add(matmul(p.W, x), p.b), "Z")));
 * const explanation = explainGradients(loss, [{ W, b }, X], { parameters: [0], names: ["", "X"] });
 * console.log(explanation.table());
 * explanation.cotangents.get("Z"); // ∂J/∂Z = 1 − tanh²(Z)
 * writeFileSync("explained.svg", await renderDot(explanation.toDot()));
 * ```
 */
export function explainGradients(f: (...args: any[]) => Tensor, args: readonly unknown[], options: ExplainOptions = {}): GradientExplanation {
  const graph = traceGraph(f, args, { ...options, backward: true });
  const { nodes, edges } = graph;
  const inputsOf = new Map<number, { from: number; inputIndex: number }[]>();
  const consumersOf = new Map<number, { to: number; inputIndex: number }[]>();
  for (const edge of edges) {
    if (nodes[edge.to].kind !== "op") continue;
    pushTo(inputsOf, edge.to, { from: edge.from, inputIndex: edge.inputIndex });
    pushTo(consumersOf, edge.from, { to: edge.to, inputIndex: edge.inputIndex });
  }
  for (const list of inputsOf.values()) list.sort((a, b) => a.inputIndex - b.inputIndex);

  /** Whether op node `to` sends a cotangent to its input `inputIndex`: it was reached, and the input is a differentiated value. */
  const sends = (to: number, inputIndex: number, from: number): boolean =>
    nodes[to].gradient !== undefined && nodes[from].gradient !== undefined && (nodes[to].op?.inputKinds?.[inputIndex] ?? "value") === "value";
  const contributionsTo = (id: number): number => {
    if (id === graph.output) return 1;
    return (consumersOf.get(id) ?? []).filter(({ to, inputIndex }) => sends(to, inputIndex, id)).length;
  };
  const labelOf = (node: GraphNode): string => {
    if (node.id === graph.output) return "J";
    if (node.kind !== "op" || node.label !== node.op?.name) return node.label;
    return `${node.label}#${node.id}`;
  };

  const steps: ExplanationStep[] = [];
  for (let id = nodes.length - 1; id >= 0; id--) {
    const node = nodes[id];
    if (node.kind !== "op" || node.gradient === undefined) continue;
    const inputs = (inputsOf.get(id) ?? []).map(({ from, inputIndex }): CotangentFlow => {
      const input = nodes[from];
      const receives = sends(id, inputIndex, from);
      return {
        input: node.op?.inputNames?.[inputIndex] ?? `input ${inputIndex}`,
        node: from,
        label: labelOf(input),
        shape: input.shape,
        cotangentShape: receives ? input.shape : null,
        unbroadcastAxes: receives ? unbroadcastAxes(node, input.shape) : [],
      };
    });
    steps.push({
      step: steps.length + 1,
      node: id,
      label: labelOf(node),
      op: node.op?.name ?? node.label,
      vjpFormula: node.op?.vjpFormula ?? "(no formula given)",
      gShape: node.shape,
      g: node.gradient,
      out: node.value,
      contributions: contributionsTo(id),
      inputs,
    });
  }

  const fanOut: FanOut[] = nodes
    .filter((node) => node.kind !== "backward-op" && node.kind !== "seed" && node.gradient !== undefined)
    .map((node) => ({ node: node.id, label: labelOf(node), contributions: contributionsTo(node.id) }))
    .filter((entry) => entry.contributions > 1);

  const cotangents = namedCotangents(graph, consumersOf, sends);
  const value = nodes[graph.output].value;
  return {
    value,
    graph,
    steps,
    fanOut,
    cotangents,
    table: () => formatSteps(steps, fanOut),
    toDot: (dotOptions = {}) => explanationDot(graph, steps, labelOf, contributionsTo, dotOptions),
  };
}

/**
 * The axes along which the op broadcast `inputShape` to its output, for ops whose vjp
 * unbroadcasts (their formula says so): element-wise ops compare whole shapes, a batched
 * matmul its batch axes (all but the last two).
 */
function unbroadcastAxes(node: GraphNode, inputShape: Shape): number[] {
  if (!node.op?.vjpFormula?.includes("unbroadcast") || shapesEqual(inputShape, node.shape)) return [];
  if (broadcastsTo(inputShape, node.shape)) return reductionAxes(inputShape, node.shape);
  if (inputShape.length >= 2 && node.shape.length >= 2) {
    const batch = inputShape.slice(0, -2);
    const outBatch = node.shape.slice(0, -2);
    if (!shapesEqual(batch, outBatch) && broadcastsTo(batch, outBatch)) return reductionAxes(batch, outBatch);
  }
  return [];
}

function broadcastsTo(shape: Shape, target: Shape): boolean {
  if (shape.length > target.length) return false;
  try {
    return shapesEqual(broadcastShapes("explain", shape, target), target);
  } catch {
    return false;
  }
}

/**
 * The cotangents of the nodes named with `name()` and of the differentiated arguments, in
 * backward order: a tensor's cotangent is complete once the backward pass has visited its
 * first consumer in forward order, so the later that consumer ran, the earlier it comes.
 */
function namedCotangents(
  graph: TracedGraph,
  consumersOf: ReadonlyMap<number, readonly { to: number; inputIndex: number }[]>,
  sends: (to: number, inputIndex: number, from: number) => boolean,
): Map<string, Tensor> {
  const named = graph.nodes.filter((node) => node.gradient !== undefined && (node.kind === "parameter" || node.kind === "input" || node.named === true));
  const completedAt = (node: GraphNode): number => {
    const reached = (consumersOf.get(node.id) ?? []).filter(({ to, inputIndex }) => sends(to, inputIndex, node.id)).map(({ to }) => to);
    return reached.length === 0 ? Infinity : Math.min(...reached);
  };
  const ordered = named.map((node) => ({ node, at: completedAt(node) })).sort((a, b) => b.at - a.at || b.node.id - a.node.id);
  const cotangents = new Map<string, Tensor>();
  for (const { node } of ordered) {
    const key = cotangents.has(node.label) ? `${node.label}#${node.id}` : node.label;
    cotangents.set(key, node.gradient!);
  }
  return cotangents;
}

function formatSteps(steps: readonly ExplanationStep[], fanOut: readonly FanOut[]): string {
  const header = ["step", "node", "op", "local vjp (g = ∂J/∂out)", "g", "cotangents out", "summed by unbroadcasting", "g added from"];
  const body = steps.map((step) => [
    String(step.step),
    step.label,
    step.op,
    step.vjpFormula,
    formatShape(step.gShape),
    step.inputs.map((flow) => `${flow.input} → ${flow.label} ${flow.cotangentShape ? formatShape(flow.cotangentShape) : "(none)"}`).join("; "),
    step.inputs.filter((flow) => flow.unbroadcastAxes.length > 0).map((flow) => `${flow.input}: axes ${formatShape(flow.unbroadcastAxes)}`).join("; "),
    step.label === "J" ? "the seed ∂J/∂J = 1" : step.contributions > 1 ? `${step.contributions} consumers` : "",
  ]);
  const lines = [textTable(header, body)];
  if (fanOut.length === 0) lines.push("no fan-out: every tensor feeds one op");
  else lines.push(`fan-out (cotangents added): ${fanOut.map((entry) => `${entry.label} from ${entry.contributions} consumers`).join(", ")}`);
  return lines.join("\n");
}

const FILL: Record<string, { fill: string; border: string }> = {
  parameter: { fill: "#fde68a", border: "#b45309" },
  input: { fill: "#bfdbfe", border: "#1d4ed8" },
  constant: { fill: "#f3f4f6", border: "#9ca3af" },
  op: { fill: "#ffffff", border: "#374151" },
};

/** The micrograd-style picture: a box per tensor (name, shape, data, grad), an ellipse per op. */
function explanationDot(
  graph: TracedGraph,
  steps: readonly ExplanationStep[],
  labelOf: (node: GraphNode) => string,
  contributionsTo: (id: number) => number,
  options: ExplanationDotOptions,
): string {
  const upTo = options.showValuesUpTo ?? 8;
  const lines = [
    "digraph explanation {",
    `  rankdir=${options.rankdir ?? "TB"};`,
    '  graph [fontname="Helvetica", fontsize=12, nodesep=0.3, ranksep=0.3];',
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [color="#6b7280", arrowsize=0.6, fontname="Helvetica", fontsize=9];',
  ];
  if (options.title) lines.push(`  label=${quote(options.title)}; labelloc=t;`);
  const unbroadcast = new Map<string, number[]>();
  for (const step of steps) for (const flow of step.inputs) if (flow.unbroadcastAxes.length > 0) unbroadcast.set(`${flow.node}>${step.node}`, flow.unbroadcastAxes);
  // The forward pass's tensors: arguments, ops, and the constants forward ops read (not those only vjps made).
  const readByForward = new Set(graph.edges.filter((edge) => graph.nodes[edge.to].kind === "op").map((edge) => edge.from));
  const forward = graph.nodes.filter((node) => node.kind === "parameter" || node.kind === "input" || node.kind === "op" || (node.kind === "constant" && readByForward.has(node.id)));
  for (const node of forward) {
    const colours = FILL[node.kind];
    const isOutput = node.id === graph.output;
    const rows = [`<B>${html(labelOf(node))}</B> ${html(formatShape(node.shape))}`, `data ${html(summarize(node.value, upTo))}`];
    if (node.gradient !== undefined) {
      const sum = contributionsTo(node.id) > 1 ? ` (sum of ${contributionsTo(node.id)})` : "";
      rows.push(`<FONT COLOR="#b91c1c">grad ${html(isOutput ? "1 (the seed ∂J/∂J)" : summarize(node.gradient, upTo))}${html(sum)}</FONT>`);
    }
    const cells = rows.map((row) => `<TR><TD ALIGN="LEFT">${row}</TD></TR>`).join("");
    const border = isOutput ? ' PENWIDTH="2"' : "";
    lines.push(
      `  v${node.id} [shape=plaintext, label=<<TABLE BORDER="1"${border} CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" BGCOLOR="${colours.fill}" COLOR="${colours.border}">${cells}</TABLE>>];`,
    );
    if (node.kind === "op" && !node.named) {
      lines.push(`  o${node.id} [label=${quote(node.op?.name ?? node.label)}, shape=ellipse, style=filled, fillcolor="#ffffff", color="#374151", fontsize=9, margin="0.04,0.02"];`);
      lines.push(`  o${node.id} -> v${node.id};`);
    }
  }
  for (const edge of graph.edges) {
    if (graph.nodes[edge.to].kind !== "op") continue;
    if (graph.nodes[edge.to].named) {
      lines.push(`  v${edge.from} -> v${edge.to} [style=dotted, label=" named"];`); // a name() marker is the identity: no op of its own to draw
      continue;
    }
    const axes = unbroadcast.get(`${edge.from}>${edge.to}`);
    lines.push(`  v${edge.from} -> o${edge.to}${axes ? ` [label=${quote(` grad Σ over axes ${formatShape(axes)}`)}, fontcolor="#b91c1c"]` : ""};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

/**
 * A tensor's values in few characters: all of them for at most `upTo` elements, else the
 * minimum and the maximum.
 * @internal
 */
export function summarize(t: Tensor, upTo: number): string {
  if (t.size <= upTo) return formatValues(t);
  const data = t.data;
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < data.length; i++) {
    low = Math.min(low, data[i]);
    high = Math.max(high, data[i]);
  }
  return `min ${formatNumber(low)}, max ${formatNumber(high)}`;
}

function html(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

// ---- Comparing hand-derived cotangents with the tape's ------------------------------------

/** Tolerances of {@link compareIntermediates}. */
export interface IntermediateCompareOptions {
  /** Absolute tolerance; 1e-12 by default. */
  atol?: number;
  /** Relative tolerance, relative to the largest magnitude of the tape's cotangent of that node; 1e-7 by default. */
  rtol?: number;
}

/** One node's row in an {@link IntermediateComparison}. */
export interface IntermediateRow {
  /** The node's name. */
  name: string;
  /** The shape of the tape's cotangent (yours, when the tape has no such node). */
  shape: readonly number[];
  /** max |yours − tape| (Infinity when a side is missing or the shapes differ). */
  maxAbsDifference: number;
  /** max |yours − tape| / max |tape|. */
  maxRelDifference: number;
  /** Whether every element is within atol + rtol·max|tape|. */
  ok: boolean;
  /** Why the row failed, when it is not a matter of values. */
  problem?: string;
}

/** Where hand-derived cotangents first leave the tape's. */
export interface Divergence {
  /** The node's name. */
  name: string;
  /** The tape's cotangent ∂J/∂node. */
  tape: Tensor;
  /** Yours. */
  yours: Tensor;
  /** max |yours − tape|. */
  maxAbsDifference: number;
  /** The index of the element where they differ most. */
  at: number[];
}

/** What {@link compareIntermediates} returns. */
export interface IntermediateComparison {
  /** Whether every node you gave agrees with the tape. */
  ok: boolean;
  /** One row per node you gave, in backward order (nodes the tape does not have last). */
  rows: IntermediateRow[];
  /** The first node in backward order whose cotangent diverges, with both values; undefined when all agree. */
  firstDivergence?: Divergence;
  /** The rows as an aligned text table, then the first divergence with both values. */
  table(): string;
}

/**
 * Compares hand-derived cotangents (dZ, dA, … for named nodes) with the tape's, node by
 * node, in backward order, and names the first node whose cotangent diverges, with both
 * values. Backprop computes each cotangent from the ones after it, so once one goes wrong
 * every earlier one follows: the first divergence in backward order is where the mistake is.
 *
 * `tape` is an explanation (its `cotangents`: name intermediates with {@link name}), or the
 * tape's cotangents by name, listed in backward order. `yours` maps the same names to your
 * tensors; give as many or as few as you derived.
 *
 * @example
 * ```ts
 * const explanation = explainGradients(loss, [params, X], { parameters: [0], names: ["", "X"] });
 * const report = compareIntermediates(explanation, { Z2: dZ2, A1: dA1, Z1: dZ1 });
 * report.firstDivergence?.name; // "A1" if your dA1 is wrong (and dZ1, computed from it, then too)
 * console.log(report.table());
 * ```
 */
export function compareIntermediates(
  tape: GradientExplanation | ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  yours: Readonly<Record<string, Tensor>>,
  options: IntermediateCompareOptions = {},
): IntermediateComparison {
  const { atol = 1e-12, rtol = 1e-7 } = options;
  const reference: ReadonlyMap<string, Tensor> =
    tape instanceof Map ? tape : isExplanation(tape) ? tape.cotangents : new Map(Object.entries(tape as Record<string, Tensor>));
  if (typeof yours !== "object" || yours === null) throw new Error(`compareIntermediates: give your cotangents as a record { name: tensor }, got ${String(yours)}`);
  for (const [key, value] of Object.entries(yours)) {
    if (!(value instanceof Tensor)) throw new Error(`compareIntermediates: yours.${key} is ${String(value)}; expected a Tensor`);
  }
  const rows: IntermediateRow[] = [];
  const divergences = new Map<string, Divergence>();
  for (const [key, expected] of reference) {
    if (!Object.hasOwn(yours, key)) continue;
    const { row, divergence } = compareOne(key, expected, yours[key], atol, rtol);
    rows.push(row);
    if (divergence) divergences.set(key, divergence);
  }
  const known = [...reference.keys()];
  for (const key of Object.keys(yours)) {
    if (reference.has(key)) continue;
    const hint = known.length > 0 ? `the named nodes are ${known.join(", ")}` : "no node is named: name intermediates with name(x, label)";
    rows.push({ name: key, shape: yours[key].shape, maxAbsDifference: Infinity, maxRelDifference: Infinity, ok: false, problem: `no node named '${key}' on the tape (${hint})` });
  }
  const firstFailing = rows.find((row) => !row.ok && divergences.has(row.name)) ?? rows.find((row) => !row.ok);
  const comparison: IntermediateComparison = {
    ok: rows.every((row) => row.ok),
    rows,
    table: () => formatComparison(rows, firstFailing && divergences.get(firstFailing.name), firstFailing),
  };
  if (firstFailing && divergences.has(firstFailing.name)) comparison.firstDivergence = divergences.get(firstFailing.name);
  return comparison;
}

function isExplanation(value: unknown): value is GradientExplanation {
  return typeof value === "object" && value !== null && (value as GradientExplanation).cotangents instanceof Map && Array.isArray((value as GradientExplanation).steps);
}

function compareOne(name: string, expected: Tensor, actual: Tensor, atol: number, rtol: number): { row: IntermediateRow; divergence?: Divergence } {
  const row: IntermediateRow = { name, shape: expected.shape, maxAbsDifference: Infinity, maxRelDifference: Infinity, ok: false };
  if (!shapesEqual(actual.shape, expected.shape)) {
    return { row: { ...row, problem: `your shape ${formatShape(actual.shape)}, the tape's ${formatShape(expected.shape)}` } };
  }
  const { maxAbsDifference, maxRelDifference, at, ok } = differenceOf(actual, expected, { atol, rtol });
  const result = { ...row, maxAbsDifference, maxRelDifference, ok };
  return ok ? { row: result } : { row: result, divergence: { name, tape: expected, yours: actual, maxAbsDifference, at: unravel(at, expected.shape) } };
}

function unravel(flat: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = flat % shape[axis];
    flat = Math.floor(flat / shape[axis]);
  }
  return index;
}

function formatComparison(rows: readonly IntermediateRow[], divergence: Divergence | undefined, failing: IntermediateRow | undefined): string {
  const header = ["node", "shape", "max |difference|", "max relative", "agree"];
  const body = rows.map((row) => [
    row.name,
    formatShape(row.shape),
    row.maxAbsDifference.toExponential(2),
    row.maxRelDifference.toExponential(2),
    row.ok ? "yes" : `NO${row.problem ? ` (${row.problem})` : ""}`,
  ]);
  const lines = [textTable(header, body)];
  if (divergence) {
    const at = divergence.at.length > 0 ? ` at ${formatShape(divergence.at)}` : "";
    const element = (t: Tensor) => formatNumber(t.data[divergence.at.reduce((flat, i, axis) => flat * t.shape[axis] + i, 0)]);
    lines.push(`first divergence in backward order: ${divergence.name} (largest difference${at}: tape ${element(divergence.tape)}, yours ${element(divergence.yours)})`);
    lines.push(`  tape:  ${summarize(divergence.tape, 24)}`);
    lines.push(`  yours: ${summarize(divergence.yours, 24)}`);
  } else if (failing) {
    lines.push(`first problem in backward order: ${failing.name}`);
  } else {
    lines.push(rows.length > 0 ? "every cotangent agrees with the tape" : "nothing to compare: none of your names is on the tape");
  }
  return lines.join("\n");
}
