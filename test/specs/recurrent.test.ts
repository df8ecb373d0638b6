import fc from "fast-check";
import { describe, it } from "vitest";
import { holds } from "./layers/check";
import { lstmFamily, lstmProblems, rnnFamily, rnnProblems } from "./layers/recurrent";

// One test per formula of backprop through time (test/src/recurrent.ts), for a vanilla RNN
// and an LSTM, on random batch sizes, widths and sequence lengths. The tape's gradient with
// respect to an intermediate of step t (h_t, c_t, a gate) is that of the rest of the
// computation started from it, so each step's formula is checked on its own. Through nn's rnn
// and lstm layers, dh_t comes from the layer run over the steps after t from h_t, and da_t
// (dz_t) from extra zero inputs whose rows of Wx are the identity; the LSTM's dc_t and gate
// gradients stay inside the layer's step, so those formulas are checked through core ops only.

const runs = { numRuns: 15, seed: 20260104 };

describe("vanilla RNN, backprop through time", () => {
  it.each(rnnFamily.formulas)("$formula", (formula) => {
    fc.assert(fc.property(rnnProblems(), holds(rnnFamily, formula)), runs);
  });
});

describe("LSTM, backprop through time", () => {
  it.each(lstmFamily.formulas)("$formula", (formula) => {
    fc.assert(fc.property(lstmProblems(), holds(lstmFamily, formula)), runs);
  });
});
