import { evaluate, fit, type Dataset, type History, type Model, type Optimizer, type Params } from "@tapegrad/nn";
import { trainingChartSvg } from "./charts";
import { progressBar, type Io } from "./progress";

/** How {@link trainAndTest} trains. */
export interface TrainingSettings {
  /** Passes over the training data. */
  epochs: number;
  /** Examples per mini-batch. */
  batchSize: number;
  /** How parameters are updated. */
  optimizer: Optimizer;
  /** Seed of the shuffling. */
  seed: number;
  /** Examples per forward pass when evaluating (to bound memory on images); all at once by default. */
  evaluationBatchSize?: number;
}

/** What {@link trainAndTest} returns. */
export interface TrainingResult {
  /** The training history from `fit`. */
  history: History;
  /** The test accuracy after the last epoch. */
  testAccuracy: number;
  /** The SVG chart of loss and accuracy per epoch, training and test. */
  chart: string;
}

/**
 * Trains with a progress bar, evaluating on the test set after each epoch; returns the
 * history, the last test accuracy and the chart.
 * @example `const { testAccuracy, chart } = trainAndTest(model, train, test, { epochs: 8, batchSize: 64, optimizer: adam(), seed: 0 }, io);`
 */
export function trainAndTest(model: Model, train: Dataset, test: Dataset, settings: TrainingSettings, io: Io): TrainingResult {
  const testLoss: number[] = [];
  const testAccuracy: number[] = [];
  const { evaluationBatchSize, ...fitSettings } = settings;
  const history = fit(model, train, {
    ...fitSettings,
    ...(evaluationBatchSize === undefined ? {} : { evaluationBatchSize }),
    ...progressBar(io, settings.epochs, () => {
      const result = evaluate(model, test, { batchSize: evaluationBatchSize });
      testLoss.push(result.loss);
      testAccuracy.push(result.accuracy!);
      return `  test ${(result.accuracy! * 100).toFixed(1)}%`;
    }),
  });
  const chart = trainingChartSvg({ loss: history.loss, validationLoss: testLoss, accuracy: history.accuracy, validationAccuracy: testAccuracy });
  return { history, testAccuracy: testAccuracy.at(-1)!, chart };
}

/**
 * The number of parameter values, written with thousands separators.
 * @example `countParameters(model.params) // "101,770"`
 */
export function countParameters(params: Params): string {
  return Object.values(params).reduce((total, p) => total + p.size, 0).toLocaleString("en-US");
}
