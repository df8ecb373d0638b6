import { describe, expect, it } from "vitest";
import { grad, sum, tensor, type Tensor } from "@tapegrad/core";
import { gradcheck } from "@tapegrad/core/testing";
import { ExpressionError, formatExpression, numberFunction, parseExpression, tensorFunction, usesZ } from "../src/expression";

const onNumber = (text: string, z: number) => numberFunction(parseExpression(text))(z);
const onTensor = (text: string, zs: number[]) => Array.from(tensorFunction(parseExpression(text))(tensor(zs)).data);

describe("reading an expression in z", () => {
  it("computes arithmetic with the usual precedence, ^ above * and to the right", () => {
    expect(onNumber("1 + 2 * z", 3)).toBe(7);
    expect(onNumber("2 * z^2", 3)).toBe(18); // not (2z)² = 36
    expect(onNumber("2^3^2", 0)).toBe(512); // 2^(3^2)
    expect(onNumber("z ** 2", 4)).toBe(16);
    expect(onNumber("-z^2", 3)).toBe(9); // the minus binds first, as the read-back shows: (−z)^2
    expect(formatExpression(parseExpression("-z^2"))).toBe("(−z)^2");
    expect(onNumber("-(z^2)", 3)).toBe(-9);
    expect(onNumber("(1 - z) / 4", 3)).toBe(-0.5);
    expect(onNumber("pi * e", 0)).toBeCloseTo(Math.PI * Math.E, 15);
    expect(onNumber("x + 1", 1)).toBe(2); // x is accepted for z
  });

  it("computes the functions, comparisons and c ? a : b", () => {
    expect(onNumber("tanh(z) + sigmoid(0)", 0.5)).toBeCloseTo(Math.tanh(0.5) + 0.5, 15);
    expect(onNumber("max(z, 0) + min(z, 0)", -2)).toBe(-2);
    expect(onNumber("z > 0 ? z : 0.1 * z", -2)).toBeCloseTo(-0.2, 15);
    expect(onNumber("z >= 1", 1)).toBe(1);
    expect(onNumber("z <= 1", 2)).toBe(0);
    expect(onNumber("relu(z) + softplus(0)", -1)).toBeCloseTo(Math.log(2), 15);
    expect(onNumber("sqrt(abs(z)) * exp(log(2))", -9)).toBeCloseTo(6, 14);
  });

  it("gives the same values on tensors, element by element, in z's shape", () => {
    const zs = [-2, -0.5, 0.25, 1, 3];
    for (const text of ["z / (1 + abs(z))", "z > 0 ? z : 0.1 * z", "2 * z^2 - sin(z)", "max(z, 0.3)", "z >= 0 ? 1 : 0", "3"]) {
      const expected = zs.map((z) => onNumber(text, z));
      onTensor(text, zs).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 14));
    }
    expect(tensorFunction(parseExpression("3"))(tensor([[1, 2]])).shape).toEqual([1, 2]);
    expect(tensorFunction(parseExpression("z > 0 ? 1 : 0"))(tensor([[1, -2]])).toArray()).toEqual([[1, 0]]);
  });

  it("is made of tapegrad's ops, so the tape differentiates it (and gradcheck agrees)", () => {
    const f = tensorFunction(parseExpression("z / (1 + abs(z)) + 0.5 * z^3"));
    const z = tensor([-1.3, -0.2, 0.4, 2.1]);
    expect(gradcheck((x: Tensor) => f(x), [z]).ok).toBe(true);
    const slope = grad((x: Tensor) => sum(f(x)))(z)[0];
    Array.from(z.data).forEach((v, i) => expect(slope.data[i]).toBeCloseTo(1 / (1 + Math.abs(v)) ** 2 + 1.5 * v * v, 12));
  });

  it("tells whether it depends on z", () => {
    expect(usesZ(parseExpression("2 + pi"))).toBe(false);
    expect(usesZ(parseExpression("1 > 0 ? z : 1"))).toBe(true);
  });

  it("refuses what is not in the grammar, saying what is", () => {
    const refuses = (text: string, message: string) => {
      expect(() => parseExpression(text)).toThrow(ExpressionError);
      expect(() => parseExpression(text)).toThrow(message);
    };
    refuses("", "the expression is empty");
    refuses("y + 1", "unknown name 'y': the variable is z, the constants pi and e");
    refuses("Tanh(z)", "did you mean tanh(z)?");
    refuses("Math.exp(z)", "write exp(z), not Math.exp(z)");
    refuses("alert(1)", "'alert' is not a function here; the functions are exp, log");
    refuses("constructor.constructor('x')()", "not a function here");
    refuses("z.constructor", "properties (a.b) are not allowed");
    refuses("max(z)", "max takes 2 arguments, got 1");
    refuses("z && 1", "the operator '&&' is not allowed");
    refuses("!z", "the operator '!' is not allowed");
    refuses("'a'", '"a" is not a number');
    refuses("[1, 2]", "a ArrayExpression is not allowed");
    refuses("z +", "cannot read it:");
    refuses("z".repeat(401), "longer than 400 characters");
    expect(() => tensorFunction(parseExpression("2^z"))(tensor([1]))).toThrow("the exponent of ^ depends on z");
  });

  it("writes the expression back with the brackets that matter", () => {
    expect(formatExpression(parseExpression("1 / (1 + abs(z))^2"))).toBe("1/(1 + abs(z))^2");
    expect(formatExpression(parseExpression("(z - 1) - (2 - z)"))).toBe("z − 1 − (2 − z)");
    expect(formatExpression(parseExpression("z > 0 ? z : 0.1 * z"))).toBe("z > 0 ? z : 0.1·z");
    expect(formatExpression(parseExpression("(2^3)^2"))).toBe("(2^3)^2");
    expect(formatExpression(parseExpression("z >= pi"))).toBe("z ≥ π");
  });
});
