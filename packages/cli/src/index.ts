/**
 * The `tapegrad` command line, and the pieces it is made of: gradient-agreement reports,
 * SVG charts of training, Graphviz rendering of traced graphs, MNIST and CSV loading, the
 * preprocessing that `tapegrad train` saves and `tapegrad predict` applies, the demo's
 * convolutional network.
 *
 * @example
 * ```ts
 * import { runCli } from "@tapegrad/cli";
 * const exitCode = await runCli(["check", "net.json"], { out: console.log, err: console.error, isTTY: false });
 * ```
 *
 * @module @tapegrad/cli
 */
export { runCli } from "./cli";
export { type Io, progressBar, type ProgressCallbacks } from "./progress";
export { gradientAgreement, type AgreementReport, type AgreementRow, type AgreementOptions, type GradientTolerance } from "./agreement";
export { layerAgreement, type LayerAgreementReport, type LayerAgreementRow, type LayerAgreementOptions } from "./layer-agreement";
export { digitCnn, asImages, withShiftedCopies, DIGIT_CNN_SUMMARY, type DigitCnnOptions } from "./cnn";
export { lineChartSvg, trainingChartSvg, sparkline, niceTicks, project, type Series, type LineChartOptions } from "./charts";
export { renderDot } from "./render";
export { loadMnist, type MnistSplit } from "./mnist-data";
export { parseCsv, csvDataset, formatCsv, type CsvTable, type CsvRow, type CsvDataset, type CsvDatasetOptions, type Task } from "./csv";
export { parsePreprocessing, preprocessingText, type Preprocessing } from "./preprocessing";
export { parseSpec, specModel, specBatch, type NetworkSpec } from "./spec";
export { InputError } from "./errors";
