// One adapter per library: each builds its own tensors from the same typed arrays and runs
// the same computations. Only the timed callbacks are compared.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { BenchDType, ConvProblem, ConvStepResult, MlpProblem } from "./workloads";

type Data = Float32Array | Float64Array;

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
}

/** x [N, C, H, W] as [N, H, W, C], and w [O, C, kH, kW] as [kH, kW, C, O]: the same data in tfjs's layouts. */
function toChannelsLast(p: ConvProblem): { x: Float32Array; w: Float32Array } {
  const { batch: N, inChannels: C, size: S, outChannels: O, kernel: K } = p;
  const x = new Float32Array(p.x.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < S; h++) for (let v = 0; v < S; v++) x[((n * S + h) * S + v) * C + c] = p.x[((n * C + c) * S + h) * S + v];
  const w = new Float32Array(p.w.length);
  for (let o = 0; o < O; o++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) w[((i * K + j) * C + c) * O + o] = p.w[((o * C + c) * K + i) * K + j];
  return { x, w };
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
  const { tensor, matmul, grad, sum, tanh, mul, valueAndGrad, conv2d, mean, square } = core;
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
  };
}
