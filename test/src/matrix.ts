// Plain matrices as arrays of rows, with the few operations the hand-derived formulas
// need. Nothing here uses @tapegrad/core, so a bug in core cannot hide on both sides.

export type Matrix = number[][];

export function zerosMatrix(rows: number, columns: number): Matrix {
  return Array.from({ length: rows }, () => new Array<number>(columns).fill(0));
}

export function dot(a: Matrix, b: Matrix): Matrix {
  const out = zerosMatrix(a.length, b[0].length);
  for (let i = 0; i < a.length; i++)
    for (let k = 0; k < b.length; k++) for (let j = 0; j < b[0].length; j++) out[i][j] += a[i][k] * b[k][j];
  return out;
}

export function transposed(a: Matrix): Matrix {
  return a[0].map((_, j) => a.map((row) => row[j]));
}

export function elementwise(a: Matrix, b: Matrix, f: (x: number, y: number) => number): Matrix {
  return a.map((row, i) => row.map((x, j) => f(x, b[i][j])));
}

export function map(a: Matrix, f: (x: number) => number): Matrix {
  return a.map((row) => row.map(f));
}

/** Adds a column vector (n × 1) to every column, or a row vector (1 × n) to every row. */
export function addBias(a: Matrix, bias: Matrix): Matrix {
  const isRow = bias.length === 1 && bias[0].length === a[0].length;
  return a.map((row, i) => row.map((x, j) => x + (isRow ? bias[0][j] : bias[i][0])));
}

export function sumRows(a: Matrix): Matrix {
  return [a[0].map((_, j) => a.reduce((total, row) => total + row[j], 0))];
}

export function sumColumns(a: Matrix): Matrix {
  return a.map((row) => [row.reduce((total, x) => total + x, 0)]);
}

export function scale(a: Matrix, factor: number): Matrix {
  return map(a, (x) => x * factor);
}
