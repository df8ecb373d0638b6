import { attentionBackward } from "./attention";
import { conv1dBackward, conv2dBackward } from "./conv";
import { denseBackward } from "./dense";
import { embeddingBackward } from "./embedding";
import { dropoutBackward, flattenBackward } from "./flatten";
import { batchNormBackward, layerNormBackward } from "./normalization";
import { avgPool2dBackward, maxPool2dBackward } from "./pooling";
import { gruBackward, lstmBackward, rnnBackward } from "./recurrent";
import type { ManualBackward } from "./rule";

export { activationBackward, type ManualBackward, type ManualLayerGradients, type ManualStep } from "./rule";
export { convolutionBackward, type ConvGeometry, type ConvolutionGradients } from "./conv";
export {
  attentionBackward,
  avgPool2dBackward,
  batchNormBackward,
  conv1dBackward,
  conv2dBackward,
  denseBackward,
  dropoutBackward,
  embeddingBackward,
  flattenBackward,
  gruBackward,
  layerNormBackward,
  lstmBackward,
  maxPool2dBackward,
  rnnBackward,
};

/**
 * The hand-derived backward rule of each built-in layer kind, by kind, as
 * {@link manualBackprop} walks a model from its output back to its input. Each is written
 * formula by formula with core ops on the forward values, without the tape. Pass rules of
 * your own in `manualBackprop(model, X, Y, { rules })`: for your own layer kinds, or in place
 * of an entry here. Look kinds up with `Object.hasOwn`.
 * @example `Object.keys(MANUAL_BACKWARD) // ["dense", "conv1d", "conv2d", "maxPool2d", …]`
 */
export const MANUAL_BACKWARD: Readonly<Record<string, ManualBackward>> = Object.freeze({
  dense: denseBackward,
  conv1d: conv1dBackward,
  conv2d: conv2dBackward,
  maxPool2d: maxPool2dBackward,
  avgPool2d: avgPool2dBackward,
  flatten: flattenBackward,
  dropout: dropoutBackward,
  embedding: embeddingBackward,
  rnn: rnnBackward,
  lstm: lstmBackward,
  gru: gruBackward,
  multiHeadAttention: attentionBackward,
  layerNorm: layerNormBackward,
  batchNorm: batchNormBackward,
});
