/** A function of tensors that `toOnnx` exports: it returns a tensor, or an array or record of tensors. */
export type ExportableFunction = (...args: any[]) => unknown;

/** Options of `toOnnx`. */
export interface ToOnnxOptions {
  /** The ONNX opset to write, 17 to 23; 17 by default (what most runtimes load). */
  opset?: number;
  /**
   * For a function: the positions of the arguments that hold weights. Their tensors become
   * initialisers (named by their keys in a record, `param<i>` for a lone tensor); the other
   * arguments become the graph's inputs. None by default. A `Model`'s parameters are always
   * initialisers.
   */
  parameters?: readonly number[];
  /** Names of the graph's inputs, in order; by default `input` (or `input<i>`), or the keys of a record of inputs. */
  inputNames?: readonly string[];
  /** Names of the graph's outputs, in order; by default `output` (or `output_<i>`), or the keys of a record of outputs. */
  outputNames?: readonly string[];
  /** The model's producer name; `"tapegrad"` by default. */
  producerName?: string;
  /** The graph's name; `"tapegrad"` by default. */
  graphName?: string;
  /** A description stored in the model. */
  docString?: string;
  /**
   * For a `Model`: `'predict'` (the default) exports what `model.predict` returns, with the
   * output's activation (probabilities for sigmoid and softmax outputs); `'forward'` exports
   * the forward pass as training sees it (logits).
   */
  pass?: "predict" | "forward";
  /**
   * Makes the batch size symbolic (`batch`): the exported model runs on any number of
   * examples. The function is traced again with one more example to find every size that
   * follows the batch; shapes built into the function that do not (a mean over the examples,
   * a constant of the batch's shape that is not all one value) are refused with the op named.
   * False by default.
   */
  dynamicBatch?: boolean;
  /**
   * Which axis of the inputs runs over examples, for `dynamicBatch`: one axis for all inputs,
   * or one per input (`null` for an input without one). By default the model's convention
   * (axis 0 for `'row'`, the last axis for `'column'`), axis 0 for a function.
   */
  batchAxis?: number | readonly (number | null)[];
  /**
   * Checks that nothing the graph holds as a constant was computed from the inputs off the
   * tape (in `noGrad`, through `stopGradient`, from `.data`, or by int32 ops, which the tape
   * does not record), by tracing the function again on other input values. True by default;
   * turn it off for a function that fails on other values.
   */
  checkConstants?: boolean;
}
