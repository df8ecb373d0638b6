// The training problems of the network cases (the demo's CNN, an LSTM, an attention block):
// data and initial parameters made once from fixed seeds, in tapegrad's names and PyTorch's
// layouts, and each problem's first loss computed independently in plain float64 JavaScript
// with the conformance suite's references (test/src), which import nothing from core or nn.
import { Random } from "@tapegrad/core";
import { conv2dForward, type Array4 } from "../../../test/src/convolution";
import { maxPoolForward } from "../../../test/src/pooling";
import { lstmForward } from "../../../test/src/recurrent";
import { attentionForward } from "../../../test/src/attention";
import { layerNormForward, EPSILON } from "../../../test/src/normalization";
import { addBias, dot, zerosMatrix, type Matrix } from "../../../test/src/matrix";
import type { NetworkCase } from "./cases";
import { randomArray, type BenchDType } from "./workloads";

/** Values in row-major order with their shape, in tapegrad's (and PyTorch's) layout. */
export interface ArrayData {
  shape: number[];
  data: Float32Array | Float64Array;
}

/** What every network problem has: inputs, targets, the initial parameters by tapegrad's names, and the SGD step size. */
export interface TrainingProblem {
  dtype: BenchDType;
  learningRate: number;
  x: ArrayData;
  y: ArrayData;
  params: Record<string, ArrayData>;
}

/**
 * The demo's CNN (`digitCnn` in @tapegrad/cli) on MNIST digits x [N, 1, 28, 28] with one-hot
 * labels y [N, 10]: conv (valid) + bias + relu, max pool 2, conv + bias + relu, max pool 2,
 * flatten (channel, row, column), dense + relu, dense, mean softmax cross-entropy. The
 * parameters are digitCnn's: conv1.W [O, C, K, K], conv1.b [O], conv2.W, conv2.b, fc1.W
 * [inputs, units], fc1.b [1, units], fc2.W, fc2.b.
 */
export interface CnnProblem extends TrainingProblem {
  kind: "cnn";
}

/**
 * An LSTM (PyTorch's gate order i, f, g, o) over x [B, T, F] from zero states, its last
 * hidden state into a dense layer, mean softmax cross-entropy with one-hot y [B, classes].
 * Parameters lstm.Wx [F, 4H], lstm.Wh [H, 4H], lstm.b [4H] (one bias for PyTorch's two),
 * out.W [H, classes], out.b [1, classes].
 */
export interface LstmProblem extends TrainingProblem {
  kind: "lstm";
  hidden: number;
}

/**
 * One pre-norm transformer block on x [B, T, E]: h = x + attention(layerNorm₁(x)) (causal
 * multi-head self-attention with biases), out = h + fc2(relu(fc1(layerNorm₂(h)))) on the
 * [B·T, E] rows, and the loss mean((out − y)²) over every element. Parameters ln1.gamma,
 * ln1.beta [E], attn.Wq, attn.Wk, attn.Wv, attn.Wo [E, E] with attn.bq … attn.bo [E],
 * ln2.gamma, ln2.beta, fc1.W [E, 4E], fc1.b [1, 4E], fc2.W [4E, E], fc2.b [1, E].
 */
export interface AttentionProblem extends TrainingProblem {
  kind: "attention";
  heads: number;
  /** ε of both layer norms. */
  eps: number;
}

export type NetworkProblem = CnnProblem | LstmProblem | AttentionProblem;

/** The problem of a network case. */
export async function networkProblem(c: NetworkCase): Promise<NetworkProblem> {
  if (c.kind === "cnn") return cnnProblem(c);
  if (c.kind === "lstm") return lstmProblem(c);
  return attentionProblem(c);
}

/**
 * Normal values for each named shape, `offset + scale·N(0, 1)` with the scale and offset
 * `init` gives (the cases scale weights by their fan-in and keep biases small but not zero,
 * so every bias is checked too), each from its own seed.
 */
function parameters(shapes: Record<string, number[]>, dtype: BenchDType, seed: number, init: (name: string, shape: number[]) => { scale: number; offset?: number }): Record<string, ArrayData> {
  return Object.fromEntries(
    Object.entries(shapes).map(([name, shape], k) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const { scale, offset = 0 } = init(name, shape);
      const data = randomArray(size, seed + k, dtype, scale);
      for (let i = 0; i < size; i++) data[i] += offset;
      return [name, { shape, data }];
    }),
  );
}

const heScale = (fanIn: number) => Math.sqrt(2 / fanIn);

/** One-hot labels [batch, classes] from a seed. */
function oneHot(batch: number, classes: number, seed: number, dtype: BenchDType): ArrayData {
  const rng = new Random(seed);
  const data = dtype === "float32" ? new Float32Array(batch * classes) : new Float64Array(batch * classes);
  for (let i = 0; i < batch; i++) data[i * classes + rng.int(classes)] = 1;
  return { shape: [batch, classes], data };
}

/** The first `batch` digits of the demo's seeded MNIST split, with the demo CNN's parameter shapes. */
export async function cnnProblem({ batch, dtype }: { batch: number; dtype: BenchDType }): Promise<CnnProblem> {
  const { loadMnist, digitCnn } = await import("@tapegrad/cli");
  const { train } = loadMnist({ seed: 0, trainSize: batch, limit: batch + 1, dtype });
  const copy = (values: ArrayLike<number>) => (dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values));
  const shapes = digitCnn({ seed: 0 }).parameterShapes();
  const params = parameters(shapes, dtype, 200, (name, shape) =>
    name.endsWith(".W") ? { scale: heScale(shape.length === 4 ? shape[1] * shape[2] * shape[3] : shape[0]) } : { scale: 0.1 },
  );
  return {
    kind: "cnn",
    dtype,
    learningRate: 0.02,
    x: { shape: [batch, 1, 28, 28], data: copy((train.inputs as { data: ArrayLike<number> }).data) },
    y: { shape: [batch, 10], data: copy((train.targets as { data: ArrayLike<number> }).data) },
    params,
  };
}

export function lstmProblem({ batch, time, inputs, hidden, classes, dtype }: { batch: number; time: number; inputs: number; hidden: number; classes: number; dtype: BenchDType }): LstmProblem {
  const shapes = { "lstm.Wx": [inputs, 4 * hidden], "lstm.Wh": [hidden, 4 * hidden], "lstm.b": [4 * hidden], "out.W": [hidden, classes], "out.b": [1, classes] };
  // PyTorch's LSTM starts at U(−1/√H, 1/√H); a normal of that spread, and He for the output layer.
  const params = parameters(shapes, dtype, 300, (name) => (name === "out.W" ? { scale: heScale(hidden) } : name === "out.b" ? { scale: 0.1 } : { scale: 1 / Math.sqrt(hidden) }));
  return {
    kind: "lstm",
    dtype,
    hidden,
    learningRate: 0.1,
    x: { shape: [batch, time, inputs], data: randomArray(batch * time * inputs, 21, dtype) },
    y: oneHot(batch, classes, 22, dtype),
    params,
  };
}

export function attentionProblem({ batch, time, dim, heads, dtype }: { batch: number; time: number; dim: number; heads: number; dtype: BenchDType }): AttentionProblem {
  const E = dim;
  const shapes: Record<string, number[]> = { "ln1.gamma": [E], "ln1.beta": [E] };
  for (const p of ["q", "k", "v", "o"]) Object.assign(shapes, { [`attn.W${p}`]: [E, E], [`attn.b${p}`]: [E] });
  Object.assign(shapes, { "ln2.gamma": [E], "ln2.beta": [E], "fc1.W": [E, 4 * E], "fc1.b": [1, 4 * E], "fc2.W": [4 * E, E], "fc2.b": [1, E] });
  const params = parameters(shapes, dtype, 400, (name, shape) => {
    if (name.endsWith("gamma")) return { scale: 0.1, offset: 1 };
    if (name.includes(".W")) return { scale: name === "fc1.W" ? heScale(shape[0]) : Math.sqrt(1 / shape[0]) };
    return { scale: 0.1 };
  });
  const size = batch * time * E;
  return {
    kind: "attention",
    dtype,
    heads,
    eps: EPSILON,
    learningRate: 0.05,
    x: { shape: [batch, time, E], data: randomArray(size, 31, dtype) },
    y: { shape: [batch, time, E], data: randomArray(size, 32, dtype) },
    params,
  };
}

// ---- The first loss in plain float64 ----------------------------------------------------

/** The problem's loss before any update, from the same values every library starts from, in float64. */
export function referenceNetworkLoss(p: NetworkProblem): number {
  if (p.kind === "cnn") return referenceCnnLoss(p);
  if (p.kind === "lstm") return referenceLstmLoss(p);
  return referenceAttentionLoss(p);
}

/** Rows of a row-major [rows, columns] array. */
function matrixOf(values: ArrayLike<number>, rows: number, columns: number, offset = 0): Matrix {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: columns }, (_, j) => values[offset + i * columns + j]));
}

function array4Of({ shape: [a, b, c, d], data }: ArrayData): Array4 {
  return Array.from({ length: a }, (_, i) => Array.from({ length: b }, (_, j) => matrixOf(data, c, d, (i * b + j) * c * d)));
}

const asMatrix = ({ shape, data }: ArrayData): Matrix => matrixOf(data, shape[0], shape.slice(1).reduce((p, d) => p * d, 1));
const asRow = ({ data }: ArrayData): Matrix => [Array.from(data)];

/** J = −(1/m) Σ_examples Σ_classes y·log softmax(z). */
function meanSoftmaxCrossEntropy(Z: Matrix, Y: Matrix): number {
  let total = 0;
  Z.forEach((z, i) => {
    const top = Math.max(...z);
    const logSumExp = top + Math.log(z.reduce((s, v) => s + Math.exp(v - top), 0));
    z.forEach((v, c) => (total -= Y[i][c] * (v - logSumExp)));
  });
  return total / Z.length;
}

const relu = (M: Matrix): Matrix => M.map((row) => row.map((v) => Math.max(v, 0)));

function referenceCnnLoss(p: CnnProblem): number {
  const convolution = { stride: [1, 1] as [number, number], padding: [0, 0] as [number, number], dilation: [1, 1] as [number, number], groups: 1 };
  const pooling = { kernel: [2, 2] as [number, number], stride: [2, 2] as [number, number], padding: [0, 0] as [number, number] };
  const convReluPool = (X: Array4, layer: string): Array4 => {
    const Z = conv2dForward(X, array4Of(p.params[`${layer}.W`]), Array.from(p.params[`${layer}.b`].data), convolution);
    return maxPoolForward(Z.map((channels) => channels.map(relu)), pooling).Z;
  };
  const pooled = convReluPool(convReluPool(array4Of(p.x), "conv1"), "conv2");
  const flat: Matrix = pooled.map((channels) => channels.flat(2)); // (channel, row, column), as flatten
  const hidden = relu(addBias(dot(flat, asMatrix(p.params["fc1.W"])), asRow(p.params["fc1.b"])));
  const logits = addBias(dot(hidden, asMatrix(p.params["fc2.W"])), asRow(p.params["fc2.b"]));
  return meanSoftmaxCrossEntropy(logits, asMatrix(p.y));
}

function referenceLstmLoss(p: LstmProblem): number {
  const [B, T, F] = p.x.shape;
  const xs = Array.from({ length: T }, (_, t) => Array.from({ length: B }, (_, b) => Array.from({ length: F }, (_, f) => p.x.data[(b * T + t) * F + f])));
  const params = { Wx: asMatrix(p.params["lstm.Wx"]), Wh: asMatrix(p.params["lstm.Wh"]), b: asRow(p.params["lstm.b"]) };
  const pass = lstmForward(params, xs, zerosMatrix(B, p.hidden), zerosMatrix(B, p.hidden));
  const logits = addBias(dot(pass.h[T], asMatrix(p.params["out.W"])), asRow(p.params["out.b"]));
  return meanSoftmaxCrossEntropy(logits, asMatrix(p.y));
}

function referenceAttentionLoss(p: AttentionProblem): number {
  const [B, T, E] = p.x.shape;
  const vector = (name: string) => Array.from(p.params[name].data);
  const dense = (M: Matrix, W: string, b: string) => addBias(dot(M, asMatrix(p.params[W])), asRow(p.params[b]));
  const plus = (a: Matrix, b: Matrix) => a.map((row, i) => row.map((v, j) => v + b[i][j]));
  const X = Array.from({ length: B }, (_, b) => matrixOf(p.x.data, T, E, b * T * E));
  const normed = X.map((Xb) => layerNormForward(Xb, vector("ln1.gamma"), vector("ln1.beta"), p.eps).Y);
  const [Q, K, V] = ["q", "k", "v"].map((s) => normed.map((A) => addBias(dot(A, asMatrix(p.params[`attn.W${s}`])), [vector(`attn.b${s}`)])));
  const attended = attentionForward(Q, K, V, p.heads, true).O;
  const H = X.map((Xb, b) => plus(Xb, addBias(dot(attended[b], asMatrix(p.params["attn.Wo"])), [vector("attn.bo")])));
  let total = 0;
  H.forEach((Hb, b) => {
    const A = layerNormForward(Hb, vector("ln2.gamma"), vector("ln2.beta"), p.eps).Y;
    const out = plus(Hb, dense(relu(dense(A, "fc1.W", "fc1.b")), "fc2.W", "fc2.b"));
    out.forEach((row, t) => row.forEach((v, e) => (total += (v - p.y.data[(b * T + t) * E + e]) ** 2)));
  });
  return total / (B * T * E);
}
