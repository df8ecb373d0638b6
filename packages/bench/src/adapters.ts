// One adapter per library: each builds its own tensors from the same typed arrays and runs
// the same computations. Only the timed callbacks are compared.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { ArrayData, AttentionProblem, CnnProblem, LstmProblem } from "./networks";
import type { BenchDType, ConvProblem, ConvStepResult, MlpProblem } from "./workloads";

type Data = Float32Array | Float64Array;

/** One training step (forward, backward, SGD update), returning the loss before the update. */
export type TrainingStep = () => number;

export interface Adapter {
  /** The library's label in the table. */
  name: string;
  /** The dtypes it supports. */
  dtypes: BenchDType[];
  /** One n × n matrix product, waited for. */
  matmul(a: Data, b: Data, n: number, dtype: BenchDType): () => unknown;
  /** A training loop on the problem: each call is one step (forward, backward, SGD update) and returns the loss. */
  mlpTrainer(problem: MlpProblem): () => number;
  /** A chain of `length` × (mul, tanh) on a small vector, with its gradient. */
  opChain(x: Data, length: number): () => unknown;
  /** One step of a convolution layer: the loss mean(conv2d(x, w)²) and its gradients with respect to x and w, read back. */
  conv2dStep(problem: ConvProblem): () => ConvStepResult;
  /** A training loop of the demo's CNN (see {@link CnnProblem}). */
  cnnTrainer(problem: CnnProblem): TrainingStep | Promise<TrainingStep>;
  /** A training loop of an LSTM and a dense layer (see {@link LstmProblem}). */
  lstmTrainer(problem: LstmProblem): TrainingStep;
  /** A training loop of one pre-norm attention block (see {@link AttentionProblem}). */
  attentionTrainer(problem: AttentionProblem): TrainingStep;
}

/** x [N, C, H, W] as [N, H, W, C], and w [O, C, kH, kW] as [kH, kW, C, O]: the same data in tfjs's layouts. */
function toChannelsLast(p: ConvProblem): { x: Float32Array; w: Float32Array } {
  const { batch: N, inChannels: C, size: S, outChannels: O, kernel: K } = p;
  return { x: nchwToNhwc(p.x, [N, C, S, S]), w: oihwToHwio(p.w, [O, C, K, K]) };
}

/** Images [N, C, H, W] as [N, H, W, C] (tfjs's layout), in float32. */
function nchwToNhwc(values: ArrayLike<number>, [N, C, H, W]: number[]): Float32Array {
  const out = new Float32Array(N * C * H * W);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let v = 0; v < W; v++) out[((n * H + h) * W + v) * C + c] = values[((n * C + c) * H + h) * W + v];
  return out;
}

/** Kernels [O, C, kH, kW] as [kH, kW, C, O] (tfjs's layout), in float32. */
function oihwToHwio(values: ArrayLike<number>, [O, C, KH, KW]: number[]): Float32Array {
  const out = new Float32Array(O * C * KH * KW);
  for (let o = 0; o < O; o++)
    for (let c = 0; c < C; c++) for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) out[((i * KW + j) * C + c) * O + o] = values[((o * C + c) * KH + i) * KW + j];
  return out;
}

/**
 * The rows of a dense layer's W [C·H·W, units] that reads flattened [C, H, W] features,
 * reordered for [H, W, C] features: the same layer after a channels-last flatten.
 */
function channelsLastRows(values: Data, [C, H, W]: number[], units: number): Float32Array {
  const out = new Float32Array(C * H * W * units);
  for (let c = 0; c < C; c++)
    for (let h = 0; h < H; h++)
      for (let v = 0; v < W; v++) {
        const from = ((c * H + h) * W + v) * units;
        out.set(values.subarray(from, from + units), ((h * W + v) * C + c) * units);
      }
  return out;
}

/** [T, T]: 0 where key j ≤ query i, −1e9 after (added to the scores, the same as tapegrad's masked score −1e9: exp gives exactly 0). */
function causalScoreMask(T: number): Float32Array {
  const mask = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e9;
  return mask;
}

export async function loadAdapter(name: string): Promise<Adapter> {
  if (name === "tapegrad") return tapegradAdapter();
  if (name === "tfjs-cpu" || name === "tfjs-wasm") return tfjsAdapter(name === "tfjs-cpu" ? "cpu" : "wasm");
  if (name === "jax-js" || name === "jax-js-jit") return jaxAdapter(name === "jax-js-jit");
  throw new Error(`unknown library ${name}`);
}

async function tapegradAdapter(): Promise<Adapter> {
  const core = await import("@tapegrad/core");
  const nn = await import("@tapegrad/nn");
  const { tensor, matmul, grad, sum, tanh, mul, valueAndGrad, conv2d, mean, square, add, sub, reshape } = core;
  type Tensor = import("@tapegrad/core").Tensor;
  type Params = Record<string, Tensor>;
  const tensorOf = ({ shape, data }: ArrayData, dtype: BenchDType) => tensor(data, { shape, dtype });
  const paramsOf = (p: { params: Record<string, ArrayData>; dtype: BenchDType }): Params =>
    Object.fromEntries(Object.entries(p.params).map(([name, value]) => [name, tensorOf(value, p.dtype)]));
  /** valueAndGrad of the loss, then nn's SGD on the parameters. */
  const sgdTrainer = (initial: Params, loss: (q: Params) => Tensor, learningRate: number): TrainingStep => {
    const optimizer = nn.sgd({ learningRate });
    const lossAndGradients = valueAndGrad(loss);
    let params = initial;
    return () => {
      const { value, grads } = lossAndGradients(params);
      params = optimizer.step(params, grads[0]);
      return value.item();
    };
  };
  return {
    name: "tapegrad",
    dtypes: ["float32", "float64"],
    matmul: (a, b, n, dtype) => {
      const A = tensor(a, { shape: [n, n], dtype });
      const B = tensor(b, { shape: [n, n], dtype });
      return () => matmul(A, B);
    },
    mlpTrainer: (p) => {
      const params: Record<string, import("@tapegrad/core").Tensor> = {};
      p.weights.forEach(({ W, b }, l) => {
        params[`layer${l + 1}.W`] = tensor(W, { shape: [p.sizes[l], p.sizes[l + 1]], dtype: p.dtype });
        params[`layer${l + 1}.b`] = tensor(b, { shape: [1, p.sizes[l + 1]], dtype: p.dtype });
      });
      const model = nn.mlp({ sizes: p.sizes, hidden: p.loss === "mse" ? "tanh" : "relu", output: p.loss === "mse" ? "identity" : "softmax", convention: "row", dtype: p.dtype, params });
      const X = tensor(p.X, { shape: [p.batch, p.sizes[0]], dtype: p.dtype });
      const Y = tensor(p.Y, { shape: [p.batch, p.sizes.at(-1)!], dtype: p.dtype });
      const optimizer = nn.sgd({ learningRate: p.learningRate });
      // nn's identity loss sums over output units and averages over examples; the peers' mean is over all elements.
      const scale = p.loss === "mse" ? 1 / p.sizes.at(-1)! : 1;
      const lossAndGradients = valueAndGrad((q: Record<string, import("@tapegrad/core").Tensor>) => mul(model.loss(q, X, Y), scale));
      return () => {
        const { value, grads } = lossAndGradients(model.params);
        model.params = optimizer.step(model.params, grads[0]);
        return value.item();
      };
    },
    opChain: (x, length) => {
      const x0 = tensor(x);
      const f = (v: import("@tapegrad/core").Tensor) => {
        for (let i = 0; i < length; i++) v = tanh(mul(v, 1.01));
        return sum(v);
      };
      const gradient = grad(f);
      return () => gradient(x0);
    },
    conv2dStep: (p) => {
      const x = tensor(p.x, { shape: [p.batch, p.inChannels, p.size, p.size], dtype: p.dtype });
      const w = tensor(p.w, { shape: [p.outChannels, p.inChannels, p.kernel, p.kernel], dtype: p.dtype });
      const lossAndGradients = valueAndGrad((a: import("@tapegrad/core").Tensor, b: import("@tapegrad/core").Tensor) => mean(square(conv2d(a, b))));
      return () => {
        const { value, grads: [dx, dw] } = lossAndGradients(x, w);
        return { loss: value.item(), dx: dx.data, dw: dw.data };
      };
    },
    cnnTrainer: async (p) => {
      // The demo's network itself, with the problem's parameters.
      const { digitCnn } = await import("@tapegrad/cli");
      const model = digitCnn({ dtype: p.dtype, params: paramsOf(p) });
      const [x, y] = [tensorOf(p.x, p.dtype), tensorOf(p.y, p.dtype)];
      return sgdTrainer(model.params, (q) => model.loss(q, x, y), p.learningRate);
    },
    lstmTrainer: (p) => {
      const [, , inputs] = p.x.shape;
      const classes = p.y.shape[1];
      const layers = [
        nn.lstm({ name: "lstm", inputSize: inputs, hiddenSize: p.hidden }),
        nn.dense({ name: "out", inputSize: p.hidden, units: classes, convention: "row" }),
      ];
      const model = nn.sequential(layers, { output: "softmax", dtype: p.dtype, params: paramsOf(p) });
      const [x, y] = [tensorOf(p.x, p.dtype), tensorOf(p.y, p.dtype)];
      return sgdTrainer(model.params, (q) => model.loss(q, x, y), p.learningRate);
    },
    attentionTrainer: (p) => {
      const [B, T, E] = p.x.shape;
      const ln1 = nn.layerNorm({ name: "ln1", normalizedShape: E, eps: p.eps });
      const attention = nn.multiHeadAttention({ name: "attn", embedDim: E, heads: p.heads, causal: true });
      const ln2 = nn.layerNorm({ name: "ln2", normalizedShape: E, eps: p.eps });
      const fc1 = nn.dense({ name: "fc1", inputSize: E, units: 4 * E, activation: "relu", convention: "row" });
      const fc2 = nn.dense({ name: "fc2", inputSize: 4 * E, units: E, convention: "row" });
      const [x, y] = [tensorOf(p.x, p.dtype), tensorOf(p.y, p.dtype)];
      const block = (q: Params): Tensor => {
        const h = add(x, attention.apply(q, ln1.apply(q, x)));
        const rows = reshape(ln2.apply(q, h), [B * T, E]);
        return add(h, reshape(fc2.apply(q, fc1.apply(q, rows)), [B, T, E]));
      };
      return sgdTrainer(paramsOf(p), (q) => mean(square(sub(block(q), y))), p.learningRate);
    },
  };
}

/** Resolves the peer libraries from packages/bench/peers, where `pnpm run bench` installs them. */
function peerRequire(): NodeRequire {
  return createRequire(new URL("../peers/package.json", import.meta.url));
}

async function tfjsAdapter(backend: "cpu" | "wasm"): Promise<Adapter> {
  // tfjs-core's bundles register no gradients; the union package's bundle registers them
  // into the same tfjs-core instance the backends use.
  const require = peerRequire();
  require("@tensorflow/tfjs");
  const tf: typeof import("@tensorflow/tfjs-core") = require("@tensorflow/tfjs-core");
  require("@tensorflow/tfjs-backend-cpu");
  require("@tensorflow/tfjs-backend-wasm");
  await tf.setBackend(backend);
  await tf.ready();
  type Tensor = import("@tensorflow/tfjs-core").Tensor;
  type Tensor2D = import("@tensorflow/tfjs-core").Tensor2D;
  type Tensor4D = import("@tensorflow/tfjs-core").Tensor4D;
  type Tensor5D = import("@tensorflow/tfjs-core").Tensor5D;
  type Scalar = import("@tensorflow/tfjs-core").Scalar;
  type Variable = import("@tensorflow/tfjs-core").Variable;
  const variable = (data: ArrayLike<number>, shape: number[]) => tf.variable(tf.tensor(Float32Array.from(data), shape));
  const constant = ({ shape, data }: ArrayData) => tf.tensor(Float32Array.from(data), shape);
  /** −(1/m) Σ y·log softmax(z). */
  const softmaxCrossEntropy = (logits: Tensor, y: Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as Scalar;
  /** x·W + b on the rows of x [..., n_in], as tapegrad's row-convention dense layer. */
  const dense = (x: Tensor, W: Tensor, b: Tensor) => {
    const [nIn, nOut] = W.shape as [number, number];
    const rows = tf.reshape(x, [-1, nIn]) as Tensor2D;
    return tf.reshape(tf.add(tf.matMul(rows, W as Tensor2D), b), [...x.shape.slice(0, -1), nOut]);
  };
  /** tfjs's SGD on the variables: each call is one step, returning the loss before the update. */
  const sgdTrainer = (vars: Variable[], loss: () => Scalar, learningRate: number): TrainingStep => {
    const optimizer = tf.train.sgd(learningRate);
    return () => {
      const value = optimizer.minimize(loss, true, vars)!;
      const v = value.dataSync()[0];
      value.dispose();
      return v;
    };
  };
  return {
    name: `tfjs-${backend}`,
    dtypes: ["float32"],
    matmul: (a, b, n) => {
      const A = tf.tensor2d(Float32Array.from(a), [n, n]);
      const B = tf.tensor2d(Float32Array.from(b), [n, n]);
      return () => {
        const c = tf.matMul(A, B);
        c.dataSync();
        c.dispose();
      };
    },
    mlpTrainer: (p) => {
      const vars = p.weights.map(({ W, b }, l) => ({
        W: tf.variable(tf.tensor2d(Float32Array.from(W), [p.sizes[l], p.sizes[l + 1]])),
        b: tf.variable(tf.tensor2d(Float32Array.from(b), [1, p.sizes[l + 1]])),
      }));
      const X = tf.tensor2d(Float32Array.from(p.X), [p.batch, p.sizes[0]]);
      const Y = tf.tensor2d(Float32Array.from(p.Y), [p.batch, p.sizes.at(-1)!]);
      const optimizer = tf.train.sgd(p.learningRate);
      const loss = () => {
        let A: import("@tensorflow/tfjs-core").Tensor2D = X;
        vars.forEach(({ W, b }, l) => {
          const Z = tf.add(tf.matMul(A, W), b) as import("@tensorflow/tfjs-core").Tensor2D;
          A = l < vars.length - 1 ? (p.loss === "mse" ? tf.tanh(Z) : tf.relu(Z)) : Z;
        });
        if (p.loss === "mse") return tf.mean(tf.square(tf.sub(A, Y))) as import("@tensorflow/tfjs-core").Scalar;
        return tf.neg(tf.mean(tf.sum(tf.mul(Y, tf.logSoftmax(A)), 1))) as import("@tensorflow/tfjs-core").Scalar;
      };
      return () => {
        const value = optimizer.minimize(loss, true)!;
        const v = value.dataSync()[0];
        value.dispose();
        return v;
      };
    },
    opChain: (x, length) => {
      const x0 = tf.tensor1d(Float32Array.from(x));
      const f = (v: import("@tensorflow/tfjs-core").Tensor) => {
        for (let i = 0; i < length; i++) v = tf.tanh(tf.mul(v, 1.01));
        return tf.sum(v);
      };
      const gradient = tf.grad(f);
      return () => tf.tidy(() => gradient(x0).dataSync());
    },
    conv2dStep: (p) => {
      // tfjs convolves NHWC images with HWIO filters: the same data, transposed once here.
      const { x, w } = toChannelsLast(p);
      type T4 = import("@tensorflow/tfjs-core").Tensor4D;
      type T5 = import("@tensorflow/tfjs-core").Tensor5D;
      // The wasm backend (4.22.0) registers no Conv2DBackpropFilter kernel, but has the 3-D
      // convolution's: there the layer runs as a conv3d of depth 1, the same arithmetic.
      const asDepthOne = backend === "wasm";
      const X = asDepthOne ? tf.tensor5d(x, [p.batch, 1, p.size, p.size, p.inChannels]) : tf.tensor4d(x, [p.batch, p.size, p.size, p.inChannels]);
      const W = asDepthOne
        ? tf.tensor5d(w, [1, p.kernel, p.kernel, p.inChannels, p.outChannels])
        : tf.tensor4d(w, [p.kernel, p.kernel, p.inChannels, p.outChannels]);
      const convolve = (a: import("@tensorflow/tfjs-core").Tensor, b: import("@tensorflow/tfjs-core").Tensor) =>
        asDepthOne ? tf.conv3d(a as T5, b as T5, 1, "valid") : tf.conv2d(a as T4, b as T4, 1, "valid");
      const lossAndGradients = tf.valueAndGrads((a, b) => tf.mean(tf.square(convolve(a, b))));
      return () =>
        tf.tidy(() => {
          const { value, grads: [dx, dw] } = lossAndGradients([X, W]);
          return { loss: value.dataSync()[0], dx: dx.dataSync(), dw: dw.dataSync() };
        });
    },
    cnnTrainer: (p) => {
      // NHWC images and HWIO kernels; fc1's rows reordered for the channels-last flatten. On
      // wasm each convolution runs as a conv3d of depth 1 (no Conv2DBackpropFilter there).
      const asDepthOne = backend === "wasm";
      const [N, , H, W] = p.x.shape;
      const kernel = (name: string) => {
        const shape = p.params[name].shape;
        const hwio = oihwToHwio(p.params[name].data, shape);
        const [O, C, KH, KW] = shape;
        return variable(hwio, asDepthOne ? [1, KH, KW, C, O] : [KH, KW, C, O]);
      };
      const [O2] = p.params["conv2.W"].shape;
      const side = Math.sqrt(p.params["fc1.W"].shape[0] / O2); // the pooled images are side × side
      const vars = {
        conv1W: kernel("conv1.W"),
        conv1b: variable(p.params["conv1.b"].data, p.params["conv1.b"].shape),
        conv2W: kernel("conv2.W"),
        conv2b: variable(p.params["conv2.b"].data, p.params["conv2.b"].shape),
        fc1W: variable(channelsLastRows(p.params["fc1.W"].data, [O2, side, side], p.params["fc1.W"].shape[1]), p.params["fc1.W"].shape),
        fc1b: variable(p.params["fc1.b"].data, p.params["fc1.b"].shape),
        fc2W: variable(p.params["fc2.W"].data, p.params["fc2.W"].shape),
        fc2b: variable(p.params["fc2.b"].data, p.params["fc2.b"].shape),
      };
      const x = tf.tensor4d(nchwToNhwc(p.x.data, p.x.shape), [N, H, W, p.x.shape[1]]);
      const y = constant(p.y);
      const convolve = (a: Tensor4D, w: Variable): Tensor4D => {
        if (!asDepthOne) return tf.conv2d(a, w as Tensor4D, 1, "valid");
        const [n, h, v, c] = a.shape;
        const z = tf.conv3d(tf.reshape(a, [n, 1, h, v, c]) as Tensor5D, w as Tensor5D, 1, "valid");
        return tf.reshape(z, [n, z.shape[2], z.shape[3], z.shape[4]]) as Tensor4D;
      };
      const convReluPool = (a: Tensor4D, w: Variable, b: Variable) => tf.maxPool(tf.relu(tf.add(convolve(a, w), b)) as Tensor4D, 2, 2, "valid");
      const loss = () => {
        const pooled = convReluPool(convReluPool(x, vars.conv1W, vars.conv1b), vars.conv2W, vars.conv2b);
        const hidden = tf.relu(dense(tf.reshape(pooled, [N, -1]), vars.fc1W, vars.fc1b));
        return softmaxCrossEntropy(dense(hidden, vars.fc2W, vars.fc2b), y);
      };
      return sgdTrainer(Object.values(vars), loss, p.learningRate);
    },
    lstmTrainer: (p) => {
      const [B] = p.x.shape;
      const H = p.hidden;
      const [Wx, Wh, b, Wo, bo] = ["lstm.Wx", "lstm.Wh", "lstm.b", "out.W", "out.b"].map((name) => variable(p.params[name].data, p.params[name].shape));
      const [x, y] = [constant(p.x), constant(p.y)];
      const loss = () => {
        let h: Tensor = tf.zeros([B, H]);
        let c: Tensor = tf.zeros([B, H]);
        for (const xt of tf.unstack(x, 1)) {
          // As tapegrad's LSTM: z = (xₜ·Wx + b) + hₜ₋₁·Wh, gates i, f, g, o.
          const z = tf.add(tf.add(tf.matMul(xt as Tensor2D, Wx as Tensor2D), b), tf.matMul(h as Tensor2D, Wh as Tensor2D));
          const [i, f, g, o] = tf.split(z, 4, 1);
          c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
          h = tf.mul(tf.sigmoid(o), tf.tanh(c));
        }
        return softmaxCrossEntropy(dense(h, Wo, bo), y);
      };
      return sgdTrainer([Wx, Wh, b, Wo, bo], loss, p.learningRate);
    },
    attentionTrainer: (p) => {
      const [B, T, E] = p.x.shape;
      const d = E / p.heads;
      const v = Object.fromEntries(Object.entries(p.params).map(([name, value]) => [name, variable(value.data, value.shape)]));
      const [x, y] = [constant(p.x), constant(p.y)];
      const mask = tf.tensor2d(causalScoreMask(T), [T, T]);
      const layerNorm = (a: Tensor, name: string) => {
        const { mean, variance } = tf.moments(a, -1, true);
        return tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, p.eps))), v[`${name}.gamma`]), v[`${name}.beta`]);
      };
      const splitHeads = (a: Tensor) => tf.transpose(tf.reshape(a, [B, T, p.heads, d]), [0, 2, 1, 3]);
      const loss = () => {
        const a = layerNorm(x, "ln1");
        const [Q, K, V] = ["q", "k", "v"].map((s) => splitHeads(dense(a, v[`attn.W${s}`], v[`attn.b${s}`])));
        const scores = tf.add(tf.div(tf.matMul(Q, K, false, true), Math.sqrt(d)), mask);
        const joined = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), V), [0, 2, 1, 3]), [B, T, E]);
        const h = tf.add(x, dense(joined, v["attn.Wo"], v["attn.bo"]));
        const out = tf.add(h, dense(tf.relu(dense(layerNorm(h, "ln2"), v["fc1.W"], v["fc1.b"])), v["fc2.W"], v["fc2.b"]));
        return tf.mean(tf.square(tf.sub(out, y))) as Scalar;
      };
      return sgdTrainer(Object.values(v), loss, p.learningRate);
    },
  };
}

async function jaxAdapter(useJit: boolean): Promise<Adapter> {
  // jax-js checks `instanceof Float16Array`, which Node 20 lacks; no float16 data is ever made here.
  (globalThis as any).Float16Array ??= class Float16Array extends Uint16Array {};
  const jax: any = await import(pathToFileURL(peerRequire().resolve("@jax-js/jax")).href.replace(/index\.cjs$/, "index.js"));
  await jax.init("wasm");
  jax.defaultDevice("wasm");
  const np = jax.numpy;
  const array = (data: Data, shape: number[]) => np.array(data, { dtype: data instanceof Float64Array ? np.float64 : np.float32 }).reshape(shape);
  const maybeJit = (f: any) => (useJit ? jax.jit(f) : f);
  type Params = Record<string, any>;
  const paramsOf = (p: { params: Record<string, ArrayData> }): Params => Object.fromEntries(Object.entries(p.params).map(([name, { shape, data }]) => [name, array(data, shape)]));
  /** −(1/m) Σ y·log softmax(z). */
  const softmaxCrossEntropy = (logits: any, y: any) => np.mean(np.sum(y.mul(jax.nn.logSoftmax(logits, -1)), -1)).mul(-1);
  /** x·W + b on the rows of x [..., n_in], as tapegrad's row-convention dense layer. */
  const dense = (x: any, W: any, b: any) => {
    const [nIn, nOut] = W.shape;
    const leading: number[] = x.shape.slice(0, -1);
    const rows = leading.reduce((a, b) => a * b, 1);
    return np.matmul(x.reshape([rows, nIn]), W).add(b).reshape([...leading, nOut]);
  };
  /**
   * One step as a function of (params, ...data), jitted for jax-js-jit: valueAndGrad of the
   * loss, then θ ← θ − η·g on every parameter. Each call passes new references to the data.
   */
  const sgdTrainer = (initial: Params, data: any[], loss: (q: Params, ...data: any[]) => any, learningRate: number): TrainingStep => {
    const step = maybeJit((q: Params, ...inputs: any[]) => {
      const [value, grads] = jax.valueAndGrad(loss)(jax.tree.ref(q), ...inputs);
      return [value, jax.tree.map((t: any, g: any) => t.sub(g.mul(learningRate)), q, grads)];
    });
    let params = initial;
    return () => {
      const [value, next] = step(params, ...data.map((d) => d.ref));
      params = next;
      return value.js() as number;
    };
  };
  return {
    name: useJit ? "jax-js-jit" : "jax-js",
    dtypes: ["float32", "float64"],
    matmul: (a, b, n) => {
      const A = array(a, [n, n]);
      const B = array(b, [n, n]);
      const product = maybeJit((x: any, y: any) => np.matmul(x, y));
      return () => product(A.ref, B.ref).dataSync();
    },
    mlpTrainer: (p) => {
      type Params = { W: any[]; b: any[] };
      let params: Params = {
        W: p.weights.map(({ W }, l) => array(W, [p.sizes[l], p.sizes[l + 1]])),
        b: p.weights.map(({ b }, l) => array(b, [1, p.sizes[l + 1]])),
      };
      const X = array(p.X, [p.batch, p.sizes[0]]);
      const Y = array(p.Y, [p.batch, p.sizes.at(-1)!]);
      const L = params.W.length;
      const loss = (q: Params, x: any, y: any) => {
        let A = x;
        for (let l = 0; l < L; l++) {
          const Z = np.matmul(A, q.W[l]).add(q.b[l]);
          A = l < L - 1 ? (p.loss === "mse" ? np.tanh(Z) : jax.nn.relu(Z)) : Z;
        }
        if (p.loss === "mse") return np.mean(np.square(A.sub(y)));
        return np.mean(np.sum(y.mul(jax.nn.logSoftmax(A, -1)), -1)).mul(-1);
      };
      const step = maybeJit((q: Params, x: any, y: any) => {
        const [value, grads] = jax.valueAndGrad(loss)(jax.tree.ref(q), x, y);
        const update = (t: any, g: any) => t.sub(g.mul(p.learningRate));
        return [value, { W: q.W.map((t: any, l: number) => update(t, grads.W[l])), b: q.b.map((t: any, l: number) => update(t, grads.b[l])) }];
      });
      return () => {
        const [value, next] = step(params, X.ref, Y.ref);
        params = next;
        return value.js() as number;
      };
    },
    opChain: (x, length) => {
      const x0 = array(x, [x.length]);
      const f = (v: any) => {
        for (let i = 0; i < length; i++) v = np.tanh(v.mul(1.01));
        return v.sum();
      };
      const gradient = maybeJit(jax.grad(f));
      return () => gradient(x0.ref).dataSync();
    },
    conv2dStep: (p) => {
      // lax.conv takes PyTorch's layouts (NCHW images, OIHW kernels); "VALID" is no padding.
      const X = array(p.x, [p.batch, p.inChannels, p.size, p.size]);
      const W = array(p.w, [p.outChannels, p.inChannels, p.kernel, p.kernel]);
      const loss = (q: { x: any; w: any }) => np.mean(np.square(jax.lax.conv(q.x, q.w, [1, 1], "VALID")));
      const step = maybeJit((q: { x: any; w: any }) => jax.valueAndGrad(loss)(q));
      return () => {
        const [value, grads] = step({ x: X.ref, w: W.ref });
        return { loss: value.js() as number, dx: grads.x.dataSync(), dw: grads.w.dataSync() };
      };
    },
    cnnTrainer: (p) => {
      // PyTorch's layouts throughout (lax.conv takes NCHW and OIHW); max pooling as a reduce_window of max.
      const convReluPool = (a: any, W: any, b: any) => {
        const z = jax.lax.conv(a, W, [1, 1], "VALID").add(b.reshape([1, b.shape[0], 1, 1]));
        return jax.lax.reduceWindow(jax.nn.relu(z), (window: any) => np.max(window), [2, 2], [2, 2]);
      };
      const loss = (q: Params, x: any, y: any) => {
        const pooled = convReluPool(convReluPool(x, q["conv1.W"], q["conv1.b"]), q["conv2.W"], q["conv2.b"]);
        const hidden = jax.nn.relu(dense(pooled.reshape([p.x.shape[0], p.params["fc1.W"].shape[0]]), q["fc1.W"], q["fc1.b"]));
        return softmaxCrossEntropy(dense(hidden, q["fc2.W"], q["fc2.b"]), y);
      };
      return sgdTrainer(paramsOf(p), [array(p.x.data, p.x.shape), array(p.y.data, p.y.shape)], loss, p.learningRate);
    },
    lstmTrainer: (p) => {
      const [B, T, F] = p.x.shape;
      const H = p.hidden;
      const loss = (q: Params, x: any, y: any) => {
        let h = np.zeros([B, H], { dtype: x.dtype });
        let c = np.zeros([B, H], { dtype: x.dtype });
        np.split(x, T, 1).forEach((slice: any, t: number) => {
          // Each parameter is used once per step: a new reference for all steps but the last.
          const use = (name: string) => (t < T - 1 ? q[name].ref : q[name]);
          const z = np.matmul(slice.reshape([B, F]), use("lstm.Wx")).add(use("lstm.b")).add(np.matmul(h, use("lstm.Wh")));
          const [i, f, g, o] = np.split(z, 4, 1);
          c = jax.nn.sigmoid(f).mul(c).add(jax.nn.sigmoid(i).mul(np.tanh(g)));
          h = jax.nn.sigmoid(o).mul(np.tanh(c.ref));
        });
        c.dispose();
        return softmaxCrossEntropy(dense(h, q["out.W"], q["out.b"]), y);
      };
      return sgdTrainer(paramsOf(p), [array(p.x.data, p.x.shape), array(p.y.data, p.y.shape)], loss, p.learningRate);
    },
    attentionTrainer: (p) => {
      const [B, T, E] = p.x.shape;
      const d = E / p.heads;
      const layerNorm = (a: any, gamma: any, beta: any) => {
        const mu = np.mean(a.ref, -1, { keepdims: true });
        const variance = np.var_(a.ref, -1, { keepdims: true });
        return a.sub(mu).div(np.sqrt(variance.add(p.eps))).mul(gamma).add(beta);
      };
      const splitHeads = (a: any) => np.transpose(a.reshape([B, T, p.heads, d]), [0, 2, 1, 3]);
      const loss = (q: Params, x: any, y: any, mask: any) => {
        const a = layerNorm(x.ref, q["ln1.gamma"], q["ln1.beta"]);
        const Q = splitHeads(dense(a.ref, q["attn.Wq"], q["attn.bq"]));
        const K = splitHeads(dense(a.ref, q["attn.Wk"], q["attn.bk"]));
        const V = splitHeads(dense(a, q["attn.Wv"], q["attn.bv"]));
        const scores = np.matmul(Q, np.transpose(K, [0, 1, 3, 2])).div(Math.sqrt(d)).add(mask);
        const joined = np.transpose(np.matmul(jax.nn.softmax(scores, -1), V), [0, 2, 1, 3]).reshape([B, T, E]);
        const h = x.add(dense(joined, q["attn.Wo"], q["attn.bo"]));
        const hidden = jax.nn.relu(dense(layerNorm(h.ref, q["ln2.gamma"], q["ln2.beta"]), q["fc1.W"], q["fc1.b"]));
        const out = h.add(dense(hidden, q["fc2.W"], q["fc2.b"]));
        return np.mean(np.square(out.sub(y)));
      };
      const data = [array(p.x.data, p.x.shape), array(p.y.data, p.y.shape), array(causalScoreMask(T), [T, T])];
      return sgdTrainer(paramsOf(p), data, loss, p.learningRate);
    },
  };
}
