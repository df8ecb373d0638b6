// The two-layer network of "Notes on forward and backward propagation in deep neural networks", examples as columns: Z1 = W1·X + b1, A1 = tanh(Z1),
// Z2 = W2·A1 + b2, A2 = σ(Z2), with the binary cross-entropy averaged over the m examples.
// The tape's gradients are printed beside central finite differences, then the network
// learns XOR by gradient descent.
import {
  add,
  binaryCrossEntropyWithLogits,
  equal,
  matmul,
  mean,
  mul,
  noGrad,
  randn,
  sigmoid,
  step,
  sub,
  tanh,
  tensor,
  valueAndGrad,
  zeros,
  type Tensor,
} from "@tapegrad/core";

type Params = { W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor };

// XOR: four points as the columns of X (n0 = 2, m = 4), labels as a 1 × m row.
const X = tensor([
  [0, 0, 1, 1],
  [0, 1, 0, 1],
]);
const Y = tensor([[0, 1, 1, 0]]);

const logits = (p: Params, x: Tensor) => add(matmul(p.W2, tanh(add(matmul(p.W1, x), p.b1))), p.b2);
const loss = (p: Params) => binaryCrossEntropyWithLogits(logits(p, X), Y);

let params: Params = {
  W1: randn([4, 2], { seed: 1 }),
  b1: zeros([4, 1]),
  W2: randn([1, 4], { seed: 2 }),
  b2: zeros([1, 1]),
};

// 1. Tape gradients beside central finite differences, entry by entry.
const { value, grads } = valueAndGrad(loss)(params);
console.log(`loss J = ${value.item().toFixed(6)} (n0 = 2, n1 = 4, n2 = 1, m = 4, examples as columns)\n`);
console.log("parameter  entry      tape gradient   finite difference   |difference|");
const eps = 1e-6;
let worst = 0;
for (const name of Object.keys(params) as (keyof Params)[]) {
  const tape = grads[0][name].data;
  const columns = params[name].shape[1];
  for (let k = 0; k < tape.length; k++) {
    const shifted = (delta: number) => {
      const data = Float64Array.from(params[name].data);
      data[k] += delta;
      return loss({ ...params, [name]: tensor(data, { shape: params[name].shape }) }).item();
    };
    const numeric = (shifted(eps) - shifted(-eps)) / (2 * eps);
    const difference = Math.abs(tape[k] - numeric);
    worst = Math.max(worst, difference);
    const entry = `[${Math.floor(k / columns)}, ${k % columns}]`;
    console.log(
      `${name.padEnd(10)} ${entry.padEnd(10)} ${tape[k].toFixed(10).padStart(14)}  ${numeric.toFixed(10).padStart(18)}   ${difference.toExponential(1)}`,
    );
  }
}
console.log(`\nlargest |tape − finite difference|: ${worst.toExponential(2)}\n`);

// 2. Gradient descent: only this loop updates the parameters.
const learningRate = 1;
const lossAndGradients = valueAndGrad(loss);
for (let iteration = 0; iteration <= 1000; iteration++) {
  const { value, grads } = lossAndGradients(params);
  if (iteration % 200 === 0) console.log(`iteration ${String(iteration).padStart(4)}: loss ${value.item().toFixed(6)}`);
  params = noGrad(() => {
    const [g] = grads;
    return {
      W1: sub(params.W1, mul(g.W1, learningRate)),
      b1: sub(params.b1, mul(g.b1, learningRate)),
      W2: sub(params.W2, mul(g.W2, learningRate)),
      b2: sub(params.b2, mul(g.b2, learningRate)),
    };
  });
}

const probabilities = sigmoid(logits(params, X));
const predictions = step(sub(probabilities, 0.5));
const accuracy = mean(equal(predictions, Y)).item();
console.log(`\npredictions for XOR ${JSON.stringify(predictions.toArray())}, targets ${JSON.stringify(Y.toArray())}`);
console.log(`probabilities ${JSON.stringify((probabilities.toArray() as number[][])[0].map((p) => Number(p.toFixed(3))))}`);
console.log(`accuracy ${(accuracy * 100).toFixed(0)} %`);
