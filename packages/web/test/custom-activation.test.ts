import { describe, expect, it } from "vitest";
import { checkActivation, CHECK_POINTS, readCustomActivation } from "../src/custom-activation";

function activation(forward: string, derivative: string) {
  const read = readCustomActivation(forward, derivative);
  if (!("activation" in read)) throw new Error(read.problem);
  return read.activation;
}

describe("a custom activation", () => {
  it("says which expression does not parse", () => {
    expect(readCustomActivation("tanh(", "1")).toMatchObject({ field: "forward" });
    expect(readCustomActivation("tanh(z)", "sech(z)^2")).toMatchObject({ field: "derivative", problem: expect.stringContaining("'sech' is not a function here") });
  });

  it("passes the check with the right derivative", () => {
    for (const [g, gPrime] of [
      ["z / (1 + abs(z))", "1 / (1 + abs(z))^2"],
      ["tanh(z)", "1 - tanh(z)^2"],
      ["z * sigmoid(z)", "sigmoid(z) * (1 + z * (1 - sigmoid(z)))"],
      ["z > 0 ? z : 0.1 * z", "z > 0 ? 1 : 0.1"],
    ]) {
      const check = checkActivation(activation(g, gPrime));
      expect(check.ok, `${g}, ${gPrime}`).toBe(true);
      expect(check.gradcheck!.ok).toBe(true);
      expect(check.maxDifference).toBeLessThan(1e-12);
    }
  });

  it("fails it with a wrong one, and says where it is furthest off", () => {
    const check = checkActivation(activation("z / (1 + abs(z))", "1 / (1 + abs(z))"));
    expect(check.ok).toBe(false);
    expect(check.gradcheck!.ok).toBe(false);
    // 1/(1+|z|) − 1/(1+|z|)² is largest at |z| = 1 (where it is ¼); the nearest check point is 0.9871 or -1.0129.
    expect(Math.abs(Math.abs(check.worst!.z) - 1)).toBeLessThan(0.25);
    expect(check.maxDifference).toBeCloseTo(0.25, 2);
    expect(checkActivation(activation("tanh(z)", "tanh(z)")).ok).toBe(false); // σ′ = σ, the classic
  });

  it("refuses functions that are not finite on the checked range", () => {
    const check = checkActivation(activation("log(z)", "1 / z"));
    expect(check.ok).toBe(false);
    expect(check.problem).toMatch(/^g\(−?-?[\d.]+\) is NaN; use a function that is finite on \[−3, 3\]$/);
    expect(CHECK_POINTS).not.toContain(0);
  });

  it("names its forward function g, so the model records it as custom:g", () => {
    expect(activation("z", "1").activate.name).toBe("g");
  });
});
