import ndarray from "ndarray";
import { Random, tensor, type Tensor } from "../src";

/** Values in ±[0.2, 1.5], away from the kinks of relu, abs, sign and step at 0. */
export function awayFromZero(shape: number[], seed: number): Tensor {
  const rng = new Random(seed);
  const size = shape.reduce((p, d) => p * d, 1);
  const values = Array.from({ length: size }, () => (0.2 + 1.3 * rng.uniform()) * (rng.uniform() < 0.5 ? -1 : 1));
  return tensor(values, { shape });
}

/** Values in [0.3, 2]: inside the domain of log, sqrt and fractional powers. */
export function positive(shape: number[], seed: number): Tensor {
  const rng = new Random(seed);
  const size = shape.reduce((p, d) => p * d, 1);
  return tensor(Array.from({ length: size }, () => 0.3 + 1.7 * rng.uniform()), { shape });
}

/** Values in (0, 1), e.g. probabilities or soft targets. */
export function unitInterval(shape: number[], seed: number): Tensor {
  const rng = new Random(seed);
  const size = shape.reduce((p, d) => p * d, 1);
  return tensor(Array.from({ length: size }, () => 0.05 + 0.9 * rng.uniform()), { shape });
}

/** One-hot rows (or columns, with classAxis 0) for the given class indices. */
export function oneHot(labels: number[], classes: number, classAxis: 0 | 1 = 1): Tensor {
  const rows = labels.map((label) => Array.from({ length: classes }, (_, c) => (c === label ? 1 : 0)));
  const t = tensor(rows);
  return classAxis === 1 ? t : tensor(transposeNested(rows));
}

function transposeNested(rows: number[][]): number[][] {
  return rows[0].map((_, j) => rows.map((row) => row[j]));
}

/**
 * The same values as `x`, built from a strided ndarray view: a column-major
 * (Fortran-order) buffer read through a transposed view.
 */
export function fromStridedView(x: Tensor): Tensor {
  const shape = [...x.shape];
  const rank = shape.length;
  const fortran = x.dtype === "int32" ? new Int32Array(x.size) : new Float64Array(x.size);
  const strides: number[] = [];
  let stride = 1;
  for (let axis = 0; axis < rank; axis++) {
    strides.push(stride);
    stride *= shape[axis];
  }
  const view = ndarray(fortran, shape, strides, 0);
  const source = ndarray(x.data, shape);
  const index = new Array<number>(rank).fill(0);
  for (let k = 0; k < x.size; k++) {
    view.set(...index, source.get(...index));
    for (let axis = rank - 1; axis >= 0; axis--) {
      if (++index[axis] < shape[axis]) break;
      index[axis] = 0;
    }
  }
  return tensor(view);
}
