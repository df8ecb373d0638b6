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
export {
  type Activation,
  type ActivationName,
  type ActivationDefinition,
  type CustomActivationName,
  activationFunction,
  activationNamed,
  activationLabel,
  ACTIVATIONS,
  ACTIVATION_NAMES,
} from "./activation";
export { init, parameterSeed, type Initializer, type InitContext } from "./init";
export {
  checkLayerName,
  evaluationContext,
  initializeParameters,
  ParametrizedLayer,
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
export { Conv1d, Conv2d, conv1d, conv2d, type ConvLayerOptions, type Conv1dLayerOptions, type Conv2dLayerOptions, type ConvDescription, type ConvPadding } from "./layers/conv";
export { MaxPool2d, AvgPool2d, maxPool2d, avgPool2d, type Pool2dLayerOptions, type PoolDescription } from "./layers/pooling";
export { Flatten, flatten, type FlattenOptions, type FlattenDescription } from "./layers/flatten";
export { Embedding, embedding, type EmbeddingOptions, type EmbeddingDescription } from "./layers/embedding";
export { LayerNorm, layerNorm, BatchNorm, batchNorm, type LayerNormOptions, type LayerNormDescription, type BatchNormOptions, type BatchNormDescription } from "./layers/normalization";
export { Dropout, dropout, type DropoutOptions, type DropoutDescription } from "./layers/dropout";
export {
  RecurrentLayer,
  RNN,
  LSTM,
  GRU,
  rnn,
  lstm,
  gru,
  type RecurrentKind,
  type RecurrentOptions,
  type RecurrentDescription,
  type RecurrentState,
  type RecurrentInput,
  type RecurrentResult,
  type RecurrentStepWeights,
} from "./layers/recurrent";
export {
  MultiHeadAttention,
  multiHeadAttention,
  type MultiHeadAttentionOptions,
  type MultiHeadAttentionDescription,
  type AttentionInput,
  type AttentionResult,
} from "./layers/attention";
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
export { OUTPUTS, OUTPUT_KINDS, outputNamed, outputAxes, type OutputDefinition, type OutputAxes, type Correct } from "./output";
export {
  sgd,
  momentum,
  adam,
  adamW,
  rmsprop,
  clipGradNorm,
  type Optimizer,
  type OptimizerOptions,
  type MomentumOptions,
  type AdamOptions,
  type RmspropOptions,
  type ParamsLike,
  type ClippedGradients,
} from "./optim";
export {
  stepDecay,
  cosineAnnealing,
  linearWarmup,
  learningRateAt,
  type Schedule,
  type LearningRate,
  type StepDecayOptions,
  type CosineAnnealingOptions,
  type LinearWarmupOptions,
} from "./schedule";
export { exampleCount, takeExamples, datasetAsDtype, datasetExampleAxis, type Dataset } from "./data";
export { fit, evaluate, accuracy, type FitOptions, type EpochRecord, type History, type Evaluation, type BatchProgress, type EvaluateOptions } from "./train";
export {
  earlyStopping,
  bestWeights,
  type Callback,
  type TrainingRun,
  type Metric,
  type MetricMode,
  type MonitorOptions,
  type EarlyStopping,
  type EarlyStoppingOptions,
  type BestWeights,
  type BestWeightsOptions,
} from "./callbacks";
export {
  serializeWeights,
  parseWeights,
  readWeights,
  modelFromWeights,
  type WeightsFile,
  type SavedParameter,
  type LoadedWeights,
  type LayerFactory,
  type ModelFromWeightsOptions,
} from "./weights";
export { serializeSafetensors, parseSafetensors, type Safetensors } from "./safetensors";
export { xor, xorQuadrants, twoMoons, circles, spiral, type DatasetOptions } from "./datasets";
export { compareGradients, compareBackprop, type CompareOptions, type GradientComparison, type GradientRow, type BackpropCompareOptions, type BackpropComparison, type BackpropRow } from "./compare";
export { manualBackprop, type ManualBackprop, type ManualBackpropOptions, type ManualLayerResult } from "./manual-backprop";
export {
  MANUAL_BACKWARD,
  activationBackward,
  convolutionBackward,
  denseBackward,
  conv1dBackward,
  conv2dBackward,
  maxPool2dBackward,
  avgPool2dBackward,
  flattenBackward,
  dropoutBackward,
  embeddingBackward,
  rnnBackward,
  lstmBackward,
  gruBackward,
  attentionBackward,
  layerNormBackward,
  batchNormBackward,
  type ManualBackward,
  type ManualStep,
  type ManualLayerGradients,
  type ConvGeometry,
  type ConvolutionGradients,
} from "./manual";
