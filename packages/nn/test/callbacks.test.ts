import { describe, expect, it } from "vitest";
import { tensor } from "@tapegrad/core";
import { bestWeights, earlyStopping, fit, mlp, serializeWeights, sgd, type Callback, type EpochRecord, type Params } from "../src";

// One weight and one bias on one example x = 1 with target 2: J = (w + b − 2)², and sgd with
// η = 0.1 moves z = w + b by −0.4(z − 2) per epoch: z = 0.8, 1.28, 1.568, 1.7408, 1.84448, …
// (w = b = z/2). Against a validation target of 1.5 the loss (z − 1.5)² is
// 0.49, 0.0484, 0.004624, 0.05846464, 0.1165…: best at epoch 3, worse after.
const zs = [0.8, 1.28, 1.568, 1.7408, 1.84448];
const validationLosses = zs.map((z) => (z - 1.5) ** 2);
const setting = () => {
  const model = mlp({ sizes: [1, 1], output: "identity", convention: "row", params: { "layer1.W": tensor([[0]]), "layer1.b": tensor([[0]]) } });
  const train = { inputs: tensor([[1]]), targets: tensor([[2]]) };
  const validation = { inputs: tensor([[1]]), targets: tensor([[1.5]]) };
  const afterEpoch: Params[] = [];
  const records: EpochRecord[] = [];
  const options = { epochs: 50, optimizer: sgd({ learningRate: 0.1 }), validation, onEpoch: (r: EpochRecord) => (afterEpoch.push(model.params), records.push(r)) };
  return { model, train, options, afterEpoch, records };
};

describe("earlyStopping", () => {
  it("stops after `patience` epochs without improvement and restores the best epoch's weights", () => {
    const { model, train, options, afterEpoch, records } = setting();
    const stopper = earlyStopping({ patience: 2 });
    const history = fit(model, train, { ...options, callbacks: [stopper] });
    expect(records.map((r) => r.validationLoss)).toEqual(validationLosses.map((v) => expect.closeTo(v, 12)));
    expect(history.epochs).toHaveLength(5);
    expect(history.stopped).toEqual({ epoch: 5, reason: expect.stringMatching(/^validationLoss has not improved on 0\.0046\d* \(epoch 3\) for 2 epochs$/) });
    expect(stopper.bestEpoch).toBe(3);
    expect(stopper.stoppedEpoch).toBe(5);
    expect(stopper.bestValue).toBeCloseTo(0.004624, 12);
    expect(model.params).toEqual(afterEpoch[2]);
    expect(model.params["layer1.W"].data[0]).toBeCloseTo(1.568 / 2, 12);
  });

  it("counts an improvement only beyond minDelta", () => {
    // with minDelta 0.05, epoch 3 (0.0484 → 0.004624, a gain of 0.0438) is no improvement: best is epoch 2
    const { model, train, options, afterEpoch } = setting();
    const stopper = earlyStopping({ patience: 2, minDelta: 0.05 });
    const history = fit(model, train, { ...options, callbacks: [stopper] });
    expect(history.epochs).toHaveLength(4);
    expect(stopper.bestEpoch).toBe(2);
    expect(model.params).toEqual(afterEpoch[1]);
  });

  it("watches any metric, in either mode, and can leave the last weights in place", () => {
    // The training loss falls every epoch, so in 'max' mode only epoch 1 counts.
    const { model, train, options, afterEpoch } = setting();
    const stopper = earlyStopping({ monitor: "loss", mode: "max", patience: 1, restoreBest: false });
    const history = fit(model, train, { ...options, callbacks: [stopper] });
    expect(history.epochs).toHaveLength(2);
    expect(stopper.bestEpoch).toBe(1);
    expect(model.params).toBe(afterEpoch[1]);
  });

  it("is reset by each fit", () => {
    const stopper = earlyStopping({ patience: 2 });
    const first = setting();
    fit(first.model, first.train, { ...first.options, callbacks: [stopper] });
    const second = setting();
    const history = fit(second.model, second.train, { ...second.options, epochs: 2, callbacks: [stopper] });
    expect(history.epochs).toHaveLength(2);
    expect(history.stopped).toBeUndefined();
    expect(stopper.stoppedEpoch).toBeUndefined();
    expect(stopper.bestEpoch).toBe(2);
  });

  it("says what to pass when the metric is missing, and checks its options", () => {
    const { model, train } = setting();
    expect(() => fit(model, train, { epochs: 2, callbacks: [earlyStopping()] })).toThrow(
      "earlyStopping: the epoch record has no validationLoss; pass validation data to fit (options.validation)",
    );
    expect(() => fit(model, train, { epochs: 2, callbacks: [earlyStopping({ monitor: "accuracy" })] })).toThrow(/no accuracy \(only sigmoid and softmax outputs do\); monitor a loss/);
    expect(() => earlyStopping({ monitor: "toString" as "loss" })).toThrow(/earlyStopping: monitor must be one of 'loss', 'accuracy', 'validationLoss', 'validationAccuracy', got "toString"/);
    expect(() => earlyStopping({ patience: -1 })).toThrow("earlyStopping: patience must be an integer ≥ 0, got -1");
    expect(() => earlyStopping({ minDelta: -0.1 })).toThrow("earlyStopping: minDelta must be a finite number ≥ 0, got -0.1");
    expect(() => earlyStopping({ mode: "up" as "max" })).toThrow("earlyStopping: mode must be 'min' or 'max', got \"up\"");
  });
});

describe("bestWeights", () => {
  it("keeps the best epoch's parameters in memory and calls onImprove at each improvement", () => {
    const { model, train, options, afterEpoch } = setting();
    const saved: Array<{ epoch: number; text: string }> = [];
    const best = bestWeights({ onImprove: (m, record) => saved.push({ epoch: record.epoch, text: serializeWeights(m) }) });
    fit(model, train, { ...options, epochs: 5, callbacks: [best] });
    expect(saved.map((s) => s.epoch)).toEqual([1, 2, 3]);
    expect(best.epoch).toBe(3);
    expect(best.value).toBeCloseTo(0.004624, 12);
    expect(best.params).toBe(afterEpoch[2]);
    expect(model.params).toBe(afterEpoch[4]); // not restored unless asked
    best.restore(model);
    expect(model.params).toEqual(afterEpoch[2]);
    expect(saved[2].text).toBe(serializeWeights(model));
  });

  it("can restore at the end, and works beside early stopping", () => {
    const { model, train, options, afterEpoch } = setting();
    const best = bestWeights({ monitor: "validationLoss", restoreAtEnd: true });
    const history = fit(model, train, { ...options, callbacks: [best, earlyStopping({ patience: 1, restoreBest: false })] });
    expect(history.epochs).toHaveLength(4);
    expect(model.params).toEqual(afterEpoch[2]);
  });
});

describe("callbacks of your own", () => {
  it("see the start, every epoch and the end, and can stop the run", () => {
    const { model, train } = setting();
    const events: string[] = [];
    const callback: Callback = {
      onTrainBegin: (run) => events.push(`begin ${run.history.epochs.length}`),
      onEpochEnd: (record, run) => {
        events.push(`epoch ${record.epoch}`);
        if (record.epoch === 2) run.stop("enough");
      },
      onTrainEnd: (run) => events.push(`end ${run.history.epochs.length}`),
    };
    const history = fit(model, train, { epochs: 10, callbacks: [callback] });
    expect(events).toEqual(["begin 0", "epoch 1", "epoch 2", "end 2"]);
    expect(history.stopped).toEqual({ epoch: 2, reason: "enough" });
  });
});
