import type { Convention } from "../convention";
import { Dense, type DenseDescription } from "../dense";
import type { Layer, LayerDescription } from "../layer";
import { Conv1d, Conv2d, type ConvDescription } from "./conv";
import { Embedding, type EmbeddingDescription } from "./embedding";
import { Flatten } from "./flatten";
import { AvgPool2d, MaxPool2d, type PoolDescription } from "./pooling";
import { MultiHeadAttention, type MultiHeadAttentionDescription } from "./attention";
import { Dropout, type DropoutDescription } from "./dropout";
import { BatchNorm, LayerNorm, type BatchNormDescription, type LayerNormDescription } from "./normalization";
import { GRU, LSTM, RNN, type RecurrentDescription } from "./recurrent";

/**
 * How each built-in layer kind is rebuilt from its saved description (and the model's
 * convention): one entry per kind, so that a saved sequential model can be loaded from its
 * file alone. Look kinds up with `Object.hasOwn`.
 */
export const LAYER_KINDS: Record<string, (description: LayerDescription, convention: Convention) => Layer<any, any>> = {
  dense: (description, convention) => {
    const { name, inputSize, units, activation } = description as DenseDescription;
    return new Dense({ name, inputSize, units, activation: activation as never, convention });
  },
  conv1d: (description) => {
    const { name, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, activation } = description as ConvDescription;
    return new Conv1d({ name, inChannels, outChannels, kernelSize: kernelSize as number, stride: stride as number, padding: padding as number, dilation: dilation as number, groups, bias, activation: activation as never });
  },
  conv2d: (description) => {
    const { name, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, activation } = description as ConvDescription;
    return new Conv2d({ name, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, activation: activation as never });
  },
  maxPool2d: (description) => {
    const { name, kernelSize, stride, padding } = description as PoolDescription;
    return new MaxPool2d({ name, kernelSize, stride, padding });
  },
  avgPool2d: (description) => {
    const { name, kernelSize, stride, padding } = description as PoolDescription;
    return new AvgPool2d({ name, kernelSize, stride, padding });
  },
  flatten: (description) => new Flatten({ name: description.name }),
  embedding: (description) => {
    const { name, vocabularySize, dimensions } = description as EmbeddingDescription;
    return new Embedding({ name, vocabularySize, dimensions });
  },
  layerNorm: (description) => {
    const { name, normalizedShape, eps } = description as LayerNormDescription;
    return new LayerNorm({ name, normalizedShape, eps });
  },
  batchNorm: (description) => {
    const { name, features, eps, momentum } = description as BatchNormDescription;
    return new BatchNorm({ name, features, eps, momentum });
  },
  dropout: (description) => new Dropout({ name: description.name, rate: (description as DropoutDescription).rate }),
  rnn: (description, convention) => {
    const { name, inputSize, hiddenSize, returnSequences } = description as RecurrentDescription;
    return new RNN({ name, inputSize, hiddenSize, returnSequences, convention });
  },
  lstm: (description, convention) => {
    const { name, inputSize, hiddenSize, returnSequences } = description as RecurrentDescription;
    return new LSTM({ name, inputSize, hiddenSize, returnSequences, convention });
  },
  gru: (description, convention) => {
    const { name, inputSize, hiddenSize, returnSequences } = description as RecurrentDescription;
    return new GRU({ name, inputSize, hiddenSize, returnSequences, convention });
  },
  multiHeadAttention: (description) => {
    const { name, embedDim, heads, causal, keyDim, valueDim } = description as MultiHeadAttentionDescription;
    return new MultiHeadAttention({ name, embedDim, heads, causal, keyDim, valueDim });
  },
};
