import type { Tensor } from "../../src";

/** One way to call an op in the registry-driven tests: its inputs and attributes. */
export interface Sample {
  label: string;
  /** The op's inputs; int32 ones (indices) are passed as they are and not gradient-checked. */
  inputs: Tensor[];
  /** The attributes, as the op's `run(inputs, attrs)` takes them. */
  attrs?: unknown;
  /** `false` leaves out the second-order check, only where the first derivative has a kink at the sample. */
  secondOrder?: boolean;
  /** Tolerances of the first-order check, where an op's values are large (default atol 1e-7, rtol 1e-6). */
  tolerance?: { atol: number; rtol: number };
}

/** The samples of a family of ops, by op name: every registered op must have some. */
export type SampleTable = Record<string, () => Sample[]>;
