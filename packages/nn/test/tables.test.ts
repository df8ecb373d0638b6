import { describe, expect, it } from "vitest";
import { add, defineOp, grad, mul, randn, sub, sum, tanh, tensor, type Tensor } from "@tapegrad/core";
import {
  ACTIVATIONS,
  ACTIVATION_NAMES,
  activationNamed,
  adam,
  compareGradients,
  dense,
  fit,
  graph,
  manualBackprop,
  mlp,
  OUTPUT_KINDS,
  OUTPUTS,
  outputAxes,
  outputNamed,
  sequential,
  toConvention,
  xor,
  type ActivationName,
  type Params,
} from "../src";

const hostile = ["toString", "constructor", "__proto__", "hasOwnProperty"];

describe("the table of activations", () => {
  const z = tensor([-2, -0.5, 0.3, 1.7, 25]);

  it.each(ACTIVATION_NAMES.filter((name) => ACTIVATIONS[name].gPrime !== undefined))("%s: the table's g′ is the tape's derivative of g", (name) => {
    const { activate, gPrime } = ACTIVATIONS[name];
    const byTape = grad((x: Tensor) => sum(activate(x, 0)))(z)[0];
    const byTable = gPrime!(z, activate(z, 0));
    byTable.data.forEach((value, i) => expect(value).toBeCloseTo(byTape.data[i], 8));
  });

  it("each entry is named by its key and states its formulas", () => {
    for (const name of ACTIVATION_NAMES) {
      expect(ACTIVATIONS[name].name).toBe(name);
      expect(ACTIVATIONS[name].formula.length).toBeGreaterThan(0);
      expect(ACTIVATIONS[name].derivativeFormula.length).toBeGreaterThan(0);
    }
    expect(ACTIVATIONS.softmax.gPrime).toBeUndefined();
  });

  it("the tables cannot be changed behind the code that reads them", () => {
    expect(Object.isFrozen(ACTIVATIONS) && Object.isFrozen(ACTIVATIONS.tanh) && Object.isFrozen(OUTPUTS) && Object.isFrozen(OUTPUTS.softmax)).toBe(true);
    expect(() => Object.assign(ACTIVATIONS.tanh, { activate: () => tensor(0) })).toThrow(TypeError);
  });

  it("names are looked up as own properties only", () => {
    for (const name of hostile) {
      expect(() => activationNamed(name, "test")).toThrow(`test: unknown activation "${name}"; use one of ${ACTIVATION_NAMES.join(", ")}, or a function of a tensor`);
      expect(() => mlp({ sizes: [2, 3, 1], hidden: name as ActivationName, convention: "row" })).toThrow(`mlp: hidden layer 1: unknown activation "${name}"`);
      expect(() => dense({ name: "d", inputSize: 2, units: 1, convention: "row", activation: name as ActivationName })).toThrow(/unknown activation/);
    }
    expect(() => mlp({ sizes: [2, 3, 1], hidden: "custom:swish", convention: "row" })).toThrow(
      "mlp: hidden layer 1: the activation 'custom:swish' was a function of your own, which its name cannot rebuild; build the model in code with that function and load the weights into it",
    );
    expect(() => mlp({ sizes: [2, 3, 1], hidden: undefined as unknown as ActivationName, convention: "row" })).not.toThrow(); // the default, tanh
  });
});

describe("mlp with activations of your own", () => {
  const swish = defineOp({
    name: "tablesTestSwish",
    inputNames: ["x"],
    formula: "out = x·tanh(x)",
    vjpFormula: "dx = g·(tanh x + x(1 − tanh² x))",
    forward: ([x]) => tensor(Float64Array.from(x.data, (v) => v * Math.tanh(v)), { shape: x.shape }),
    vjp: (g, { inputs: [x] }) => {
      const t = tanh(x);
      return [mul(g, add(t, mul(x, sub(1, mul(t, t)))))];
    },
  });
  const squash = function squash(z: Tensor) {
    return mul(tanh(z), 0.5);
  };

  it("accepts any function of a tensor, custom ops included, and trains", () => {
    const model = mlp({ sizes: [2, 8, 1], hidden: [squash], output: "sigmoid", convention: "row", seed: 0 });
    expect(model.architecture).toMatchObject({ kind: "mlp", hidden: ["custom:squash"] });
    const history = fit(model, xor({ convention: "row" }), { epochs: 300, optimizer: adam({ learningRate: 0.05 }) });
    expect(history.accuracy.at(-1)).toBe(1);
    const withOp = mlp({ sizes: [2, 3, 1], hidden: swish, output: "sigmoid", convention: "row" });
    expect(withOp.predict(tensor([[1, 2]])).shape).toEqual([1, 1]);
  });

  it("toConvention keeps the function; manualBackprop says why it cannot derive it", () => {
    const model = mlp({ sizes: [2, 3, 1], hidden: squash, output: "sigmoid", convention: "row", seed: 1 });
    const column = toConvention(model, "column");
    const X = tensor([[1, 2], [0.5, -1]]);
    expect(Array.from(column.predict(tensor([[1, 0.5], [2, -1]])).data)).toEqual(Array.from(model.predict(X).data).map((v) => expect.closeTo(v, 14)));
    expect(() => manualBackprop(model, X, tensor([[1], [0]]))).toThrow(
      "manualBackprop: hidden layer 1's activation is a function of your own (custom:squash); the hand-derived formulas need g′ from the table of activations",
    );
  });
});

describe("the table of output kinds", () => {
  const Z = randn([4, 3], { seed: 1 });
  const probabilities = tensor([[0.2, 0.5, 0.3], [1, 0, 0], [0, 0, 1], [0.1, 0.1, 0.8]]);
  const targetsOf = { sigmoid: tensor([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]]), softmax: probabilities, identity: randn([4, 3], { seed: 2 }) };

  it.each(OUTPUT_KINDS.map((kind) => [kind]))("%s: the hand-derived ∂ℓ/∂Z over m is the tape's gradient, and the cost from A is the loss", (kind) => {
    const definition = OUTPUTS[kind];
    const Y = targetsOf[kind];
    const axes = outputAxes(Z, "row");
    const byTape = grad((z: Tensor) => definition.loss(z, Y, axes))(Z)[0];
    const A = definition.activate(Z, axes);
    const byHand = definition.outputGradient(A, Y, axes);
    byHand.data.forEach((value, i) => expect(value / axes.m).toBeCloseTo(byTape.data[i], 14));
    expect(definition.costFromActivations(A, Y, axes).item()).toBeCloseTo(definition.loss(Z, Y, axes).item(), 13);
    expect(definition.kind).toBe(kind);
  });

  it("softmax takes class indices in the hand-derived gradient too", () => {
    const labels = tensor([2, 0, 1, 1], { dtype: "int32" });
    const axes = outputAxes(Z, "row");
    const byTape = grad((z: Tensor) => OUTPUTS.softmax.loss(z, labels, axes))(Z)[0];
    const byHand = OUTPUTS.softmax.outputGradient(OUTPUTS.softmax.activate(Z, axes), labels, axes);
    byHand.data.forEach((value, i) => expect(value / 4).toBeCloseTo(byTape.data[i], 14));
    const columnAxes = outputAxes(tensor([[1, 2], [3, 4], [5, 6]]), "column");
    expect(columnAxes).toEqual({ exampleAxis: 1, classAxis: 0, m: 2 });
  });

  it("kinds are looked up as own properties only, wherever a model is built", () => {
    const layer = dense({ name: "out", inputSize: 2, units: 1, convention: "row" });
    for (const kind of hostile) {
      const message = `unknown output kind "${kind}"; use 'sigmoid', 'softmax', 'identity', or give a loss of your own`;
      expect(() => outputNamed(kind, "test")).toThrow(`test: ${message}`);
      expect(() => mlp({ sizes: [2, 1], output: kind as "sigmoid", convention: "row" })).toThrow(message);
      expect(() => sequential([layer], { output: kind as "sigmoid" })).toThrow(message);
      expect(() => graph({ layers: [layer], forward: (p, x) => layer.apply(p, x), output: kind as "sigmoid", convention: "row" })).toThrow(message);
    }
  });

  it("model.predict applies the kind's activation", () => {
    const model = mlp({ sizes: [2, 3], output: "softmax", convention: "column", seed: 0 });
    const predicted = model.predict(tensor([[1, 2], [3, -1]]));
    expect(sum(predicted, 0).data[0]).toBeCloseTo(1, 14);
    expect(sum(predicted, 0).data[1]).toBeCloseTo(1, 14);
  });
});

describe("manualBackprop reads both tables: every element-wise activation, every output, both conventions", () => {
  const names = ACTIVATION_NAMES.filter((name) => ACTIVATIONS[name].gPrime !== undefined);
  it.each(["row", "column"] as const)("%s convention", (convention) => {
    for (const output of OUTPUT_KINDS) {
      for (const name of names) {
        const model = mlp({ sizes: [3, 4, 3], hidden: name, output, convention, seed: 7 });
        const m = 5;
        const X = randn(convention === "row" ? [m, 3] : [3, m], { seed: 3 });
        const Y =
          output === "softmax"
            ? tensor([0, 2, 1, 1, 0], { dtype: "int32" })
            : output === "sigmoid"
              ? tensor(Array.from({ length: 15 }, (_, i) => i % 2), { shape: convention === "row" ? [m, 3] : [3, m] })
              : randn(convention === "row" ? [m, 3] : [3, m], { seed: 4 });
        const byHand = manualBackprop(model, X, Y);
        const byTape = grad((p: Params) => model.loss(p, X, Y))(model.params)[0];
        const report = compareGradients(byHand.grads, byTape, { rtol: 1e-9 });
        expect(report.ok, `${name} hidden, ${output} output\n${report.table()}`).toBe(true);
        expect(byHand.cost).toBeCloseTo(model.loss(model.params, X, Y).item(), 12);
      }
    }
  });
});
