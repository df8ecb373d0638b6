import { basicSamples } from "./basic";
import type { SampleTable } from "./sample";

export type { Sample, SampleTable } from "./sample";

/** The samples of every op family; each family's file adds its table here. */
export const samples: SampleTable = {
  ...basicSamples,
};
