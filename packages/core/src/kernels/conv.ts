import { allocate, type TypedArray } from "../dtype";
import { Tensor } from "../tensor";
import { gemm, gemmWithWrittenB, type ColumnWriter } from "./matmul";

// The loops behind ops/conv.ts. A convolution unrolls the input windows into a column
// matrix (im2col) and multiplies it by the weight matrix with gemm; the input gradient
// multiplies by the transposed weights and folds the columns back (col2im). Pooling
// scans each window directly. All tensors are NCHW, contiguous, row-major.

/** Every size a 2-D convolution's loops need, resolved once by the op. */
export interface ConvGeometry {
  batch: number;
  inChannels: number;
  height: number;
  width: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  outHeight: number;
  outWidth: number;
  strideH: number;
  strideW: number;
  /** Rows of zeros above the input (those below only shorten the last windows). */
  padTop: number;
  /** Columns of zeros left of the input. */
  padLeft: number;
  dilationH: number;
  dilationW: number;
  groups: number;
}

/** Elements of one column matrix (several images of a batch side by side) before the batch is split into chunks. */
const COLUMN_BUDGET = 1 << 20;

/** How many images of the batch one column matrix holds. */
function imagesPerChunk(geo: ConvGeometry): number {
  const perImage = (geo.inChannels / geo.groups) * geo.kernelHeight * geo.kernelWidth * geo.outHeight * geo.outWidth;
  return Math.max(1, Math.min(geo.batch, Math.floor(COLUMN_BUDGET / Math.max(perImage, 1))));
}

/** The smallest integer ≥ a / b, for b > 0. */
function ceilDiv(a: number, b: number): number {
  return -Math.floor(-a / b);
}

/** The output columns j whose input column j·stride + offset lies inside [0, width): [first, end). */
function validRange(offset: number, stride: number, width: number, outWidth: number): [number, number] {
  const first = Math.min(Math.max(ceilDiv(-offset, stride), 0), outWidth);
  const end = Math.max(Math.min(ceilDiv(width - offset, stride), outWidth), first);
  return [first, end];
}

/**
 * Unrolls the windows of images n0 … n0+count−1, channels c0 … c0+C/groups−1 of x into a
 * (C/groups · kH · kW) × (count · oH · oW) matrix `cols`: row (c, p, q), column (n, i, j)
 * holds x[n, c0 + c, i·sH + p·dH − padTop, j·sW + q·dW − padLeft], or 0 in the padding.
 * It is written into `dst` from element `offset`, row-major when `panelWidth` is 1, or in
 * panels of `panelWidth` rows (entry (r, col) at ⌊r/w⌋·w·columns + col·w + r mod w): the
 * layout the gemm kernel reads a transposed operand in, so that the weight gradient's
 * product needs no packing pass of its own (an implicit gemm).
 */
function im2col(x: TypedArray, geo: ConvGeometry, n0: number, count: number, c0: number, dst: TypedArray, offset = 0, panelWidth = 1): void {
  const { inChannels, height, width, kernelHeight, kernelWidth, outHeight, outWidth, strideH, strideW } = geo;
  const channels = inChannels / geo.groups;
  const plane = outHeight * outWidth;
  const columns = count * plane;
  const w = panelWidth;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < kernelHeight; p++) {
      const rowOffset = p * geo.dilationH - geo.padTop;
      for (let q = 0; q < kernelWidth; q++, row++) {
        const columnOffset = q * geo.dilationW - geo.padLeft;
        const [first, end] = validRange(columnOffset, strideW, width, outWidth);
        const rowBase = offset + Math.floor(row / w) * w * columns + (row % w);
        for (let n = 0; n < count; n++) {
          const image = ((n0 + n) * inChannels + c0 + c) * height * width;
          let at = rowBase + n * plane * w;
          for (let i = 0; i < outHeight; i++, at += outWidth * w) {
            const h = i * strideH + rowOffset;
            if (h < 0 || h >= height) {
              for (let j = 0; j < outWidth; j++) dst[at + j * w] = 0;
              continue;
            }
            const from = image + h * width + columnOffset;
            for (let j = 0; j < first; j++) dst[at + j * w] = 0;
            for (let j = first; j < end; j++) dst[at + j * w] = x[from + j * strideW];
            for (let j = end; j < outWidth; j++) dst[at + j * w] = 0;
          }
        }
      }
    }
  }
}

/** The adjoint of {@link im2col}: adds each entry of `cols` into the element of dx it was read from (padding entries are dropped). */
function col2im(cols: TypedArray, geo: ConvGeometry, n0: number, count: number, c0: number, dx: TypedArray): void {
  const { inChannels, height, width, kernelHeight, kernelWidth, outHeight, outWidth, strideH, strideW } = geo;
  const channels = inChannels / geo.groups;
  const plane = outHeight * outWidth;
  const columns = count * plane;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < kernelHeight; p++) {
      const rowOffset = p * geo.dilationH - geo.padTop;
      for (let q = 0; q < kernelWidth; q++, row++) {
        const columnOffset = q * geo.dilationW - geo.padLeft;
        const [first, end] = validRange(columnOffset, strideW, width, outWidth);
        for (let n = 0; n < count; n++) {
          const image = ((n0 + n) * inChannels + c0 + c) * height * width;
          let at = row * columns + n * plane;
          for (let i = 0; i < outHeight; i++, at += outWidth) {
            const h = i * strideH + rowOffset;
            if (h < 0 || h >= height) continue;
            const to = image + h * width + columnOffset;
            for (let j = first; j < end; j++) dx[to + j * strideW] += cols[at + j];
          }
        }
      }
    }
  }
}

/**
 * Copies channels c0 … c0+channels−1 of images n0 … n0+count−1 of an NC(plane) array into
 * a channels × (count · plane) matrix, the layout gemm reads; a single image is already
 * in that layout and is returned as a view.
 */
function gatherChannels(src: TypedArray, totalChannels: number, plane: number, n0: number, count: number, c0: number, channels: number, dst: TypedArray): TypedArray {
  if (count === 1) {
    const from = (n0 * totalChannels + c0) * plane;
    return src.subarray(from, from + channels * plane);
  }
  for (let c = 0; c < channels; c++) {
    for (let n = 0; n < count; n++) {
      const from = ((n0 + n) * totalChannels + c0 + c) * plane;
      dst.set(src.subarray(from, from + plane), (c * count + n) * plane);
    }
  }
  return dst.subarray(0, channels * count * plane);
}

/** The inverse of {@link gatherChannels}: writes a channels × (count · plane) matrix back into the NC(plane) array. */
function scatterChannels(src: TypedArray, totalChannels: number, plane: number, n0: number, count: number, c0: number, channels: number, dst: TypedArray): void {
  for (let c = 0; c < channels; c++) {
    for (let n = 0; n < count; n++) {
      const from = (c * count + n) * plane;
      dst.set(src.subarray(from, from + plane), ((n0 + n) * totalChannels + c0 + c) * plane);
    }
  }
}

/** The weight matrix of group g: rows are its output channels, columns (c, p, q); a view, as w is [O, C/groups, kH, kW]. */
function groupWeights(w: TypedArray, geo: ConvGeometry, g: number): TypedArray {
  const size = (geo.outChannels / geo.groups) * (geo.inChannels / geo.groups) * geo.kernelHeight * geo.kernelWidth;
  return w.subarray(g * size, (g + 1) * size);
}

/** The convolution out[n, o] = Σ w[o] ⋆ x[n, o's group]: im2col of a chunk of images, one gemm per group. */
export function conv2dForward(x: Tensor, w: Tensor, geo: ConvGeometry): Tensor {
  const { batch, outChannels, groups } = geo;
  const plane = geo.outHeight * geo.outWidth;
  const rows = (geo.inChannels / groups) * geo.kernelHeight * geo.kernelWidth;
  const outPerGroup = outChannels / groups;
  const out = allocate(x.dtype, batch * outChannels * plane);
  const chunk = imagesPerChunk(geo);
  const product = allocate(x.dtype, outPerGroup * chunk * plane);
  for (let n0 = 0; n0 < batch; n0 += chunk) {
    const count = Math.min(chunk, batch - n0);
    const columns = count * plane;
    for (let g = 0; g < groups; g++) {
      // cols is unrolled straight into the gemm's memory (or a scratch array for the loops)
      const unroll: ColumnWriter = (dst, offset, panelWidth) => im2col(x.data, geo, n0, count, g * (geo.inChannels / groups), dst, offset, panelWidth);
      if (count === 1) {
        // One image: the product is already out[n0, group g], written in place.
        const at = (n0 * outChannels + g * outPerGroup) * plane;
        gemmWithWrittenB(groupWeights(w.data, geo, g), unroll, false, out.subarray(at, at + outPerGroup * plane), outPerGroup, rows, columns);
        continue;
      }
      const result = product.subarray(0, outPerGroup * columns);
      result.fill(0);
      gemmWithWrittenB(groupWeights(w.data, geo, g), unroll, false, result, outPerGroup, rows, columns);
      scatterChannels(result, outChannels, plane, n0, count, g * outPerGroup, outPerGroup, out);
    }
  }
  return new Tensor(out, [batch, outChannels, geo.outHeight, geo.outWidth]);
}

/** The input gradient dx = col2im(Wᵀ·dy) per group: the adjoint of {@link conv2dForward} in x. */
export function conv2dInputGradient(dy: Tensor, w: Tensor, geo: ConvGeometry): Tensor {
  const { batch, inChannels, outChannels, groups } = geo;
  const plane = geo.outHeight * geo.outWidth;
  const rows = (inChannels / groups) * geo.kernelHeight * geo.kernelWidth;
  const outPerGroup = outChannels / groups;
  const dx = allocate(dy.dtype, batch * inChannels * geo.height * geo.width);
  const chunk = imagesPerChunk(geo);
  const cols = allocate(dy.dtype, rows * chunk * plane);
  const gathered = allocate(dy.dtype, chunk > 1 ? outPerGroup * chunk * plane : 0);
  for (let n0 = 0; n0 < batch; n0 += chunk) {
    const count = Math.min(chunk, batch - n0);
    const columns = count * plane;
    for (let g = 0; g < groups; g++) {
      const dyGroup = gatherChannels(dy.data, outChannels, plane, n0, count, g * outPerGroup, outPerGroup, gathered);
      const colsGrad = cols.subarray(0, rows * columns);
      colsGrad.fill(0);
      gemm(groupWeights(w.data, geo, g), dyGroup, colsGrad, rows, outPerGroup, columns, true, false);
      col2im(colsGrad, geo, n0, count, g * (inChannels / groups), dx);
    }
  }
  return new Tensor(dx, [batch, inChannels, geo.height, geo.width]);
}

/** The weight gradient dw[group] = Σ_chunks dy·colsᵀ: the adjoint of {@link conv2dForward} in w. */
export function conv2dWeightGradient(x: Tensor, dy: Tensor, geo: ConvGeometry): Tensor {
  const { batch, inChannels, outChannels, groups } = geo;
  const plane = geo.outHeight * geo.outWidth;
  const rows = (inChannels / groups) * geo.kernelHeight * geo.kernelWidth;
  const outPerGroup = outChannels / groups;
  const dw = allocate(x.dtype, outChannels * rows);
  const chunk = imagesPerChunk(geo);
  const gathered = allocate(x.dtype, chunk > 1 ? outPerGroup * chunk * plane : 0);
  const product = allocate(x.dtype, outPerGroup * rows);
  for (let n0 = 0; n0 < batch; n0 += chunk) {
    const count = Math.min(chunk, batch - n0);
    const columns = count * plane;
    for (let g = 0; g < groups; g++) {
      const dyGroup = gatherChannels(dy.data, outChannels, plane, n0, count, g * outPerGroup, outPerGroup, gathered);
      product.fill(0);
      // dw = dy·colsᵀ, with cols unrolled straight into the panels the kernel reads colsᵀ from
      const unroll: ColumnWriter = (dst, offset, panelWidth) => im2col(x.data, geo, n0, count, g * (inChannels / groups), dst, offset, panelWidth);
      gemmWithWrittenB(dyGroup, unroll, true, product, outPerGroup, columns, rows);
      const at = g * outPerGroup * rows;
      for (let k = 0; k < product.length; k++) dw[at + k] += product[k];
    }
  }
  return new Tensor(dw, [outChannels, inChannels / groups, geo.kernelHeight, geo.kernelWidth]);
}

/** Every size a 2-D pooling's loops need, resolved once by the op. */
export interface PoolGeometry {
  batch: number;
  channels: number;
  height: number;
  width: number;
  kernelHeight: number;
  kernelWidth: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  outHeight: number;
  outWidth: number;
}

/**
 * For each output of a max pooling, the flat index into x of its window's first maximal
 * element, scanning rows then columns and skipping the padding (PyTorch's rule: a value
 * replaces the maximum when larger, or when NaN).
 */
export function maxPoolArgmax(x: TypedArray, geo: PoolGeometry): Int32Array {
  const { height, width, kernelHeight, kernelWidth, strideH, strideW, padH, padW, outHeight, outWidth } = geo;
  const indices = new Int32Array(geo.batch * geo.channels * outHeight * outWidth);
  let k = 0;
  for (let image = 0; image < geo.batch * geo.channels; image++) {
    const base = image * height * width;
    for (let i = 0; i < outHeight; i++) {
      const h0 = Math.max(i * strideH - padH, 0);
      const h1 = Math.min(i * strideH - padH + kernelHeight, height);
      for (let j = 0; j < outWidth; j++) {
        const w0 = Math.max(j * strideW - padW, 0);
        const w1 = Math.min(j * strideW - padW + kernelWidth, width);
        let best = -Infinity;
        let at = base + h0 * width + w0;
        for (let h = h0; h < h1; h++) {
          const row = base + h * width;
          for (let c = w0; c < w1; c++) {
            const v = x[row + c];
            if (v > best || v !== v) {
              best = v;
              at = row + c;
            }
          }
        }
        indices[k++] = at;
      }
    }
  }
  return indices;
}

/** out[k] = source[indices[k]]: a max pooling's values (source = x) or the gather of a gradient at its argmax. */
export function gatherAt(source: Tensor, indices: Int32Array, shape: readonly number[]): Tensor {
  const out = allocate(source.dtype, indices.length);
  const data = source.data;
  for (let k = 0; k < indices.length; k++) out[k] = data[indices[k]];
  return new Tensor(out, shape);
}

/** out[indices[k]] += values[k] into zeros of `shape`: a max pooling's gradient routed to its argmax. */
export function scatterAddAt(values: Tensor, indices: Int32Array, shape: readonly number[], size: number): Tensor {
  const out = allocate(values.dtype, size);
  const data = values.data;
  for (let k = 0; k < indices.length; k++) out[indices[k]] += data[k];
  return new Tensor(out, shape);
}

/** The mean of each window, padding counted as zeros: the window's sum over kH·kW. */
export function avgPoolForward(x: Tensor, geo: PoolGeometry): Tensor {
  const { height, width, kernelHeight, kernelWidth, strideH, strideW, padH, padW, outHeight, outWidth } = geo;
  const input = x.data;
  const out = allocate(x.dtype, geo.batch * geo.channels * outHeight * outWidth);
  const divisor = kernelHeight * kernelWidth;
  let k = 0;
  for (let image = 0; image < geo.batch * geo.channels; image++) {
    const base = image * height * width;
    for (let i = 0; i < outHeight; i++) {
      const h0 = Math.max(i * strideH - padH, 0);
      const h1 = Math.min(i * strideH - padH + kernelHeight, height);
      for (let j = 0; j < outWidth; j++) {
        const w0 = Math.max(j * strideW - padW, 0);
        const w1 = Math.min(j * strideW - padW + kernelWidth, width);
        let total = 0;
        for (let h = h0; h < h1; h++) {
          const row = base + h * width;
          for (let c = w0; c < w1; c++) total += input[row + c];
        }
        out[k++] = total / divisor;
      }
    }
  }
  return new Tensor(out, [geo.batch, geo.channels, outHeight, outWidth]);
}

/** The adjoint of {@link avgPoolForward}: each dy spread evenly over its window, dy/(kH·kW) per element (the padding's share dropped). */
export function avgPoolSpread(dy: Tensor, geo: PoolGeometry): Tensor {
  const { height, width, kernelHeight, kernelWidth, strideH, strideW, padH, padW, outHeight, outWidth } = geo;
  const gradient = dy.data;
  const dx = allocate(dy.dtype, geo.batch * geo.channels * height * width);
  const divisor = kernelHeight * kernelWidth;
  let k = 0;
  for (let image = 0; image < geo.batch * geo.channels; image++) {
    const base = image * height * width;
    for (let i = 0; i < outHeight; i++) {
      const h0 = Math.max(i * strideH - padH, 0);
      const h1 = Math.min(i * strideH - padH + kernelHeight, height);
      for (let j = 0; j < outWidth; j++) {
        const w0 = Math.max(j * strideW - padW, 0);
        const w1 = Math.min(j * strideW - padW + kernelWidth, width);
        const share = gradient[k++] / divisor;
        for (let h = h0; h < h1; h++) {
          const row = base + h * width;
          for (let c = w0; c < w1; c++) dx[row + c] += share;
        }
      }
    }
  }
  return new Tensor(dx, [geo.batch, geo.channels, height, width]);
}
