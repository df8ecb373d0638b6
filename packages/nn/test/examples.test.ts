import { describe, expect, it } from "vitest";
import { run as causalAttention } from "../../../examples/causal-attention";
import { run as charLstm } from "../../../examples/char-lstm";
import { run as embeddingClassifier } from "../../../examples/embedding-classifier";

// The examples in examples/, each run with few steps: the loss must fall. Their full runs
// are the documented commands at the top of each file.
const quiet = () => {};

describe("examples, in short runs", () => {
  it("char-lstm.ts: the loss on fixed windows falls, and the sample continues the prompt", () => {
    const result = charLstm({ steps: 12, batchSize: 8, sequenceLength: 16, hiddenSize: 24, sampleLength: 20, log: quiet });
    expect(result.finalLoss).toBeLessThan(result.initialLoss - 0.2);
    expect(result.losses).toHaveLength(12);
    expect(result.sample.startsWith("It is a truth")).toBe(true);
    expect(result.sample).toHaveLength("It is a truth".length + 20);
  });

  it("causal-attention.ts: the loss on fixed windows falls, and the sample continues the prompt", () => {
    const result = causalAttention({ steps: 12, batchSize: 8, sequenceLength: 16, embedDim: 16, heads: 2, sampleLength: 20, log: quiet });
    expect(result.finalLoss).toBeLessThan(result.initialLoss - 0.2);
    expect(result.sample).toHaveLength("It is a truth".length + 20);
  });

  it("embedding-classifier.ts: the loss falls and the test accuracy beats chance", () => {
    const result = embeddingClassifier({ epochs: 10, log: quiet });
    expect(result.losses.at(-1)!).toBeLessThan(result.losses[0]);
    expect(result.testLoss).toBeLessThan(result.initialTestLoss);
    expect(result.testAccuracy).toBeGreaterThan(0.8);
  });
});
