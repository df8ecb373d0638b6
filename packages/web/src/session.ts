import { argmax, noGrad, Random, tensor, transpose, valueAndGrad, type Tensor } from "@tapegrad/core";
import { adam, momentum, mlp, rmsprop, sgd, takeExamples, toConvention, type Activation, type Dataset, type Model, type Optimizer, type Params } from "@tapegrad/nn";
import type { CustomActivation } from "./custom-activation";
import type { OptimizerName, PageSettings } from "./settings";
import { toyData, toyPoints, type ToyData } from "./toy-data";

// One training run: the data, the network, the optimiser and the mini-batch order, stepped
// one mini-batch at a time by the page (which yields to the browser in between).

/** Loss and accuracy over all the examples after a step (step 0: before training). */
export interface HistoryPoint {
  step: number;
  loss: number;
  accuracy: number;
}

/** A box around the data, with a margin, for the decision-boundary picture. */
export interface Bounds {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** The optimiser of that name at that learning rate. */
export function makeOptimizer(name: OptimizerName, learningRate: number): Optimizer {
  switch (name) {
    case "sgd":
      return sgd({ learningRate });
    case "momentum":
      return momentum({ learningRate, momentum: 0.9 });
    case "adam":
      return adam({ learningRate });
    case "rmsprop":
      return rmsprop({ learningRate });
  }
}

/**
 * The network of the settings. It is always initialised in the column convention and then
 * converted, so that the row and the column networks of one seed are the same function
 * (W_row = W_colᵀ): switching the convention changes the layout, not the training.
 */
export function makeModel(settings: PageSettings, outputs: number, custom?: CustomActivation): Model {
  if (settings.activation === "custom" && custom === undefined) throw new Error("the custom activation is not set: write g(z) and g′(z) first");
  const hidden: Activation = settings.activation === "custom" ? custom!.activate : settings.activation;
  const sizes = [2, ...settings.hidden, outputs];
  const column = mlp({ sizes, hidden, output: settings.output, convention: "column", seed: settings.seed });
  return settings.convention === "column" ? column : toConvention(column, "row");
}

/** A training run of the page. */
export class TrainingSession {
  readonly settings: PageSettings;
  readonly data: ToyData;
  readonly custom: CustomActivation | undefined;
  readonly model: Model;
  readonly history: HistoryPoint[] = [];
  readonly bounds: Bounds;
  /** Steps taken. */
  steps = 0;
  /** The examples of the last step's mini-batch. */
  lastBatch: Dataset;
  private readonly optimizer: Optimizer;
  private readonly random: Random;
  private order: number[] = [];
  private cursor = 0;

  constructor(settings: PageSettings, custom?: CustomActivation) {
    this.settings = settings;
    this.custom = custom;
    this.data = toyData(toyPoints(settings), settings.convention, settings.output);
    this.model = makeModel(settings, this.data.outputs, custom);
    this.optimizer = makeOptimizer(settings.optimizer, settings.learningRate);
    this.random = new Random(settings.seed + 101);
    this.bounds = boundsOf(this.data.points);
    this.lastBatch = { inputs: this.data.X, targets: this.data.Y };
    this.record();
  }

  /** The number of examples m. */
  get examples(): number {
    return this.data.labels.length;
  }

  /** The mini-batch size in use (the setting, at most m). */
  get batchSize(): number {
    return Math.min(this.settings.batchSize, this.examples);
  }

  /** One optimiser step on the next mini-batch (reshuffled each epoch, the last one of an epoch maybe smaller); returns its loss. */
  step(): number {
    const indices = this.nextBatch();
    const batch = indices.length === this.examples ? { inputs: this.data.X, targets: this.data.Y } : takeExamples({ inputs: this.data.X, targets: this.data.Y }, indices, this.settings.convention);
    const { value, grads } = valueAndGrad((params: Params) => this.model.loss(params, batch.inputs, batch.targets))(this.model.params);
    const loss = value.item();
    if (!Number.isFinite(loss)) throw new Error(`the loss is ${loss} at step ${this.steps + 1}: training diverged; lower the learning rate`);
    this.model.params = this.optimizer.step(this.model.params, grads[0]);
    this.lastBatch = batch;
    this.steps++;
    this.record();
    return loss;
  }

  /** Loss and accuracy over all the examples, at the current parameters. */
  evaluate(): { loss: number; accuracy: number } {
    return noGrad(() => {
      const loss = this.model.loss(this.model.params, this.data.X, this.data.Y).item();
      const predicted = this.classify(this.data.X);
      let correct = 0;
      predicted.forEach((label, i) => (correct += label === this.data.labels[i] ? 1 : 0));
      return { loss, accuracy: correct / predicted.length };
    });
  }

  /**
   * The network's prediction on an n × n grid over `bounds`, row by row from the top: for
   * two classes with one output unit, the probability (or value) of class 1; otherwise the
   * predicted class and its probability.
   */
  grid(n: number, bounds = this.bounds): { classOf: Int32Array; score: Float64Array } {
    const points: [number, number][] = [];
    for (let row = 0; row < n; row++) {
      const y = bounds.yMax - ((row + 0.5) / n) * (bounds.yMax - bounds.yMin);
      for (let col = 0; col < n; col++) points.push([bounds.xMin + ((col + 0.5) / n) * (bounds.xMax - bounds.xMin), y]);
    }
    const X = this.layout(tensor(points));
    const out = this.model.predict(X);
    const classOf = new Int32Array(points.length);
    const score = new Float64Array(points.length);
    if (this.data.outputs === 1) {
      out.data.forEach((p, i) => {
        score[i] = p;
        classOf[i] = p > 0.5 ? 1 : 0;
      });
    } else {
      const rows = this.settings.convention === "row" ? out : transpose(out);
      const k = this.data.outputs;
      for (let i = 0; i < points.length; i++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (rows.data[i * k + c] > rows.data[i * k + best]) best = c;
        classOf[i] = best;
        score[i] = rows.data[i * k + best];
      }
    }
    return { classOf, score };
  }

  /** The predicted class of every example of X (in the convention's layout). */
  private classify(X: Tensor): number[] {
    const z = this.model.forward(this.model.params, X);
    if (this.data.outputs === 1) {
      // A logit for a sigmoid output (class 1 where z > 0); a value to compare with ½ for identity.
      const threshold = this.settings.output === "sigmoid" ? 0 : 0.5;
      return Array.from(z.data, (v) => (v > threshold ? 1 : 0));
    }
    return Array.from(argmax(z, this.settings.convention === "row" ? 1 : 0).data);
  }

  private layout(rows: Tensor): Tensor {
    return this.settings.convention === "row" ? rows : transpose(rows);
  }

  private nextBatch(): number[] {
    const m = this.examples;
    if (this.batchSize === m) return Array.from({ length: m }, (_, i) => i);
    if (this.cursor >= this.order.length) {
      this.order = this.random.permutation(m);
      this.cursor = 0;
    }
    const indices = this.order.slice(this.cursor, this.cursor + this.batchSize);
    this.cursor += this.batchSize;
    return indices;
  }

  private record(): void {
    this.history.push({ step: this.steps, ...this.evaluate() });
  }
}

/** The data's box with a 10% margin on each side, made square so that the picture is not stretched. */
export function boundsOf(points: readonly [number, number][]): Bounds {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [xMin, xMax, yMin, yMax] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const half = (Math.max(xMax - xMin, yMax - yMin) / 2) * 1.2 || 1;
  const [cx, cy] = [(xMin + xMax) / 2, (yMin + yMax) / 2];
  return { xMin: cx - half, xMax: cx + half, yMin: cy - half, yMax: cy + half };
}
