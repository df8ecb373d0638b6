/**
 * Networks on @tapegrad/core: dense layers in both layout conventions, models as graphs of
 * layers and ops, losses matched to the output, seeded initialisers, optimisers, training
 * with mini-batches, and weights saved to and loaded from files. No layer has a hand-written
 * backward: every gradient comes from the tape.
 *
 * @example
 * ```ts
 * import { mlp, fit, adam, twoMoons } from "@tapegrad/nn";
 * const data = twoMoons({ examples: 400, seed: 0, convention: "row" });
 * const model = mlp({ sizes: [2, 16, 1], hidden: "tanh", output: "sigmoid", convention: "row" });
 * fit(model, data, { epochs: 100, batchSize: 32, optimizer: adam({ learningRate: 0.02 }) });
 * ```
 *
 * @module @tapegrad/nn
 */
export { type Convention, exampleAxis, featureAxis } from "./convention";
export { type Activation, type ActivationName, activationFunction, ACTIVATION_NAMES } from "./activation";
export { init, parameterSeed, type Initializer, type InitContext } from "./init";
export {
  checkLayerName,
  evaluationContext,
  initializeParameters,
  parameterOf,
  parameterShapes,
  type Layer,
  type LayerContext,
  type LayerDescription,
  type ParameterSpec,
  type Params,
  type StateSpec,
} from "./layer";
export { Dense, dense, type DenseOptions, type DenseDescription } from "./dense";
export {
  Model,
  graph,
  mlp,
  sequential,
  toConvention,
  transposeParameters,
  type Architecture,
  type MlpArchitecture,
  type GraphArchitecture,
  type GraphOptions,
  type MlpOptions,
  type SequentialArchitecture,
  type SequentialOptions,
} from "./model";
export { outputLoss, type OutputKind } from "./loss";
export { sgd, momentum, adam, type Optimizer, type AdamOptions } from "./optim";
export { exampleCount, takeExamples, type Dataset } from "./data";
export { fit, evaluate, accuracy, type FitOptions, type EpochRecord, type History, type Evaluation, type BatchProgress } from "./train";
export { serializeWeights, parseWeights, saveWeights, loadWeights, loadMlp, writeTextAtomically, type WeightsFile, type SavedParameter } from "./weights";
export { xor, twoMoons, spiral, type DatasetOptions } from "./datasets";
export { compareGradients, type CompareOptions, type GradientComparison, type GradientRow } from "./compare";
export { manualBackprop, type ManualBackprop } from "./manual-backprop";
