import { basicSamples } from "./basic";
import { elementwiseSamples } from "./elementwise";
import { linalgSamples } from "./linalg";
import { joiningSamples } from "./joining";
import { indexingSamples } from "./indexing";
import { selectionSamples } from "./selection";
import { convSamples } from "./conv";
import type { SampleTable } from "./sample";

export type { Sample, SampleTable } from "./sample";

/** The samples of every op family; each family's file adds its table here. */
export const samples: SampleTable = {
  ...basicSamples,
  ...elementwiseSamples,
  ...linalgSamples,
  ...joiningSamples,
  ...indexingSamples,
  ...selectionSamples,
  ...convSamples,
};
