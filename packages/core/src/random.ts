import { allocate, checkFloatDType, DEFAULT_DTYPE, type FloatDType } from "./dtype";
import { checkShape, sizeOf, type Shape } from "./shape";
import { Tensor } from "./tensor";

/**
 * A seeded pseudo-random generator (xoshiro128**, seeded through splitmix32):
 * the same seed gives the same sequence on every platform.
 *
 * @example
 * ```ts
 * const rng = new Random(42);
 * rng.uniform(); // in [0, 1)
 * rng.normal();  // standard normal
 * rng.int(10);   // in 0..9
 * ```
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  /** @param seed any finite number; equal seeds give equal sequences. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Random: the seed must be a finite number, got ${seed}`);
    let state = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32) ^ 0x9e3779b9) >>> 0;
    const splitmix32 = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix32();
    this.s1 = splitmix32();
    this.s2 = splitmix32();
    this.s3 = splitmix32();
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** A standard normal draw (Box–Muller, both values of each pair used). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** A uniform integer in `0..n-1`. */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A new array holding `0..n-1` in random order (Fisher–Yates). */
  permutation(n: number): number[] {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Options shared by the random tensor constructors. */
export interface RandomOptions {
  /** The seed: the same seed gives the same tensor. */
  seed: number;
  /** The element type, `float32` or `float64` (the default). */
  dtype?: FloatDType;
}

/**
 * A tensor of normal draws with the given mean (0) and standard deviation (1), from a seed.
 * @example `randn([3, 2], { seed: 0, std: 0.1 })`
 */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number }): Tensor {
  const { mean = 0, std = 1 } = options ?? {}; // a missing options object is reported by fill
  return fill("randn", shape, options, (rng) => mean + std * rng.normal());
}

/**
 * A tensor of uniform draws in [low, high) (default [0, 1)), from a seed.
 * @example `uniform([2, 2], { seed: 7, low: -1, high: 1 })`
 */
export function uniform(shape: Shape, options: RandomOptions & { low?: number; high?: number }): Tensor {
  const { low = 0, high = 1 } = options ?? {};
  return fill("uniform", shape, options, (rng) => low + (high - low) * rng.uniform());
}

function fill(opName: string, shape: Shape, options: RandomOptions, draw: (rng: Random) => number): Tensor {
  checkShape(opName, shape);
  if (options === undefined || !Number.isFinite(options.seed)) {
    throw new Error(`${opName}: pass a seed, e.g. ${opName}(shape, { seed: 0 }), so that the result is reproducible`);
  }
  const dtype = options.dtype ?? DEFAULT_DTYPE;
  checkFloatDType(opName, dtype);
  const rng = new Random(options.seed);
  const data = allocate(dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw(rng);
  return new Tensor(data, shape);
}
