import { Random, reshape, tensor, type FloatDType, type Tensor } from "@tapegrad/core";
import { conv2d, dense, flatten, maxPool2d, sequential, type Dataset, type Layer, type Model, type Params } from "@tapegrad/nn";

/** Options of {@link digitCnn}. */
export interface DigitCnnOptions {
  /** Seed of the initial parameters; 0 by default. */
  seed?: number;
  /** The parameters' dtype; float32 by default (the demo trains in float32 for speed). */
  dtype?: FloatDType;
  /** Given parameter values, instead of initialising. */
  params?: Params;
}

/**
 * The layers of the demo's LeNet-style network for 28 × 28 digits, images [N, 1, 28, 28] in,
 * class logits [N, 10] out: two 5 × 5 convolutions with relu, each followed by 2 × 2 max
 * pooling, then a dense relu layer and a dense output layer.
 */
function digitLayers(): Layer[] {
  return [
    conv2d({ name: "conv1", inChannels: 1, outChannels: 8, kernelSize: 5, activation: "relu" }), //   [N, 8, 24, 24]
    maxPool2d({ name: "pool1", kernelSize: 2 }), //                                                        [N, 8, 12, 12]
    conv2d({ name: "conv2", inChannels: 8, outChannels: 32, kernelSize: 5, activation: "relu" }), //  [N, 32, 8, 8]
    maxPool2d({ name: "pool2", kernelSize: 2 }), //                                                        [N, 32, 4, 4]
    flatten({ name: "flatten" }), //                                                                       [N, 512]
    dense({ name: "fc1", inputSize: 512, units: 64, activation: "relu", convention: "row" }), //          [N, 64]
    dense({ name: "fc2", inputSize: 64, units: 10, convention: "row" }), //                               [N, 10]
  ];
}

/** The demo network in one line, for its progress output. */
export const DIGIT_CNN_SUMMARY = "conv 5×5×8 → pool 2 → conv 5×5×32 → pool 2 → dense 64 → 10";

/**
 * The demo's convolutional network for the MNIST digits (see `tapegrad demo --model cnn`):
 * a `sequential` model with a softmax output, so its saved weights load with `loadModel`.
 * @example
 * ```ts
 * const model = digitCnn({ seed: 0 });
 * model.predict(images); // [N, 10] class probabilities for images [N, 1, 28, 28]
 * ```
 */
export function digitCnn(options: DigitCnnOptions = {}): Model {
  return sequential(digitLayers(), { output: "softmax", seed: options.seed, dtype: options.dtype ?? "float32", params: options.params });
}

/**
 * Digits as images: inputs [m, 784] become [m, 1, 28, 28] (one channel), targets unchanged.
 * @example `const { train, test } = loadMnist({ seed: 0, trainSize: 8000 }); const images = asImages(train);`
 */
export function asImages(data: Dataset): Dataset {
  const inputs = data.inputs as Tensor;
  return { inputs: reshape(inputs, [inputs.shape[0], 1, 28, 28]), targets: data.targets };
}

/**
 * The images followed by `copies` shifted copies of them: each copy of an image moved by a
 * seeded random whole-pixel offset of up to `maxShift` in each direction (zeros fill the
 * edge), a common augmentation for digits. Targets are repeated alongside.
 * @example `const augmented = withShiftedCopies(asImages(train), { copies: 1, maxShift: 2, seed: 0 });`
 */
export function withShiftedCopies(data: Dataset, { copies, maxShift, seed }: { copies: number; maxShift: number; seed: number }): Dataset {
  const inputs = data.inputs as Tensor;
  const targets = data.targets as Tensor;
  const [m, channels, height, width] = inputs.shape;
  const plane = height * width;
  const image = channels * plane;
  const classes = targets.size / m;
  const source = inputs.data;
  const pixels = new (source.constructor as Float64ArrayConstructor)(m * image * (copies + 1));
  const labels = new (targets.data.constructor as Float64ArrayConstructor)(m * classes * (copies + 1));
  pixels.set(source);
  labels.set(targets.data);
  const rng = new Random(seed);
  for (let copy = 1; copy <= copies; copy++) {
    for (let n = 0; n < m; n++) {
      const dy = rng.int(2 * maxShift + 1) - maxShift;
      const dx = rng.int(2 * maxShift + 1) - maxShift;
      const to = (copy * m + n) * image;
      for (let c = 0; c < channels; c++) {
        for (let i = 0; i < height; i++) {
          const from = i - dy;
          if (from < 0 || from >= height) continue;
          for (let j = Math.max(0, dx); j < Math.min(width, width + dx); j++) {
            pixels[to + c * plane + i * width + j] = source[n * image + c * plane + from * width + j - dx];
          }
        }
      }
      labels.set(targets.data.subarray(n * classes, (n + 1) * classes), (copy * m + n) * classes);
    }
  }
  return {
    inputs: tensor(pixels, { shape: [m * (copies + 1), channels, height, width], dtype: inputs.dtype }),
    targets: tensor(labels, { shape: [m * (copies + 1), ...targets.shape.slice(1)], dtype: targets.dtype }),
  };
}
