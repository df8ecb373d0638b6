import { evaluate, fit, type Dataset, type Evaluation, type History, type Model, type Optimizer, type Params } from "@tapegrad/nn";
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
  /**
   * What the progress line shows of each epoch's test evaluation; the accuracy (`test
   * 95.0%`) by default, or the loss (`test loss 0.0123`) for outputs without an accuracy.
   */
  testSummary?: (evaluation: Evaluation) => string;
}

/** What {@link trainAndTest} returns. */
export interface TrainingResult {
  /** The training history from `fit`. */
  history: History;
  /** The test accuracy after the last epoch; undefined for outputs without an accuracy (identity). */
  testAccuracy: number | undefined;
  /** The test loss after the last epoch. */
  testLoss: number;
  /** The SVG chart of loss and accuracy per epoch, training and test. */
  chart: string;
}

/**
 * Trains with a progress bar, evaluating on the test set after each epoch; returns the
 * history, the last test accuracy and loss, and the chart.
 * @example `const { testAccuracy, chart } = trainAndTest(model, train, test, { epochs: 8, batchSize: 64, optimizer: adam(), seed: 0 }, io);`
 */
export function trainAndTest(model: Model, train: Dataset, test: Dataset, settings: TrainingSettings, io: Io): TrainingResult {
  const testLoss: number[] = [];
  const testAccuracy: number[] = [];
  const { evaluationBatchSize, testSummary = defaultSummary, ...fitSettings } = settings;
  const history = fit(model, train, {
    ...fitSettings,
    ...(evaluationBatchSize === undefined ? {} : { evaluationBatchSize }),
    ...progressBar(io, settings.epochs, () => {
      const result = evaluate(model, test, { batchSize: evaluationBatchSize });
      testLoss.push(result.loss);
      if (result.accuracy !== undefined) testAccuracy.push(result.accuracy);
      return `  ${testSummary(result)}`;
    }),
  });
  const chart = trainingChartSvg({ loss: history.loss, validationLoss: testLoss, accuracy: history.accuracy, validationAccuracy: testAccuracy });
  return { history, testAccuracy: testAccuracy.at(-1), testLoss: testLoss.at(-1)!, chart };
}

function defaultSummary(result: Evaluation): string {
  return result.accuracy === undefined ? `test loss ${result.loss.toFixed(4)}` : `test ${(result.accuracy * 100).toFixed(1)}%`;
}

/**
 * The root-mean-square error and the coefficient of determination R² = 1 − SS_res / SS_tot
 * (SS_tot about the mean of `actual`, as scikit-learn's r2_score) of predicted values;
 * R² is undefined when `actual` is constant.
 * @example `regressionFit([1, 2, 3], [1, 2, 4]) // { rmse: 0.577…, r2: 0.5 }`
 */
export function regressionFit(actual: readonly number[], predicted: readonly number[]): { rmse: number; r2: number | undefined } {
  const m = actual.length;
  const average = actual.reduce((total, y) => total + y, 0) / m;
  let residual = 0;
  let spread = 0;
  for (let i = 0; i < m; i++) {
    residual += (actual[i] - predicted[i]) ** 2;
    spread += (actual[i] - average) ** 2;
  }
  return { rmse: Math.sqrt(residual / m), r2: spread > 0 ? 1 - residual / spread : undefined };
}

/**
 * The number of parameter values, written with thousands separators.
 * @example `countParameters(model.params) // "101,770"`
 */
export function countParameters(params: Params): string {
  return Object.values(params).reduce((total, p) => total + p.size, 0).toLocaleString("en-US");
}
