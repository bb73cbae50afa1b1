import { describe, expect, it } from 'vitest';
import { type CheckInput, gradCheck, seeded } from './gradcheck.js';

const inp = (shape: number[], seed: number, lo = -1, hi = 1, declared?: (number | string)[]): CheckInput => ({
  shape,
  data: seeded(
    shape.reduce((a, b) => a * b, 1),
    seed,
    lo,
    hi,
  ),
  ...(declared ? { declared } : {}),
});
// Relu's kink: keep values away from 0 so finite differences stay on one side.
const awayFromZero = (c: CheckInput): CheckInput => {
  c.data.forEach((v, i) => {
    c.data[i] = v >= 0 ? v + 0.1 : v - 0.1;
  });
  return c;
};

const TOL = 2e-3;

describe('reverse-mode gradients match finite differences', () => {
  const cases: [string, () => CheckInput[], Parameters<typeof gradCheck>[1]][] = [
    ['MatMul', () => [inp([3, 4], 1), inp([4, 2], 2)], (t, [a, b]) => t.matmul(a!, b!)],
    ['Gemm + bias', () => [inp([3, 4], 3), inp([4, 2], 4), inp([2], 5)], (t, [a, w, c]) => t.gemm(a!, w!, c)],
    [
      'Gemm transB',
      () => [inp([3, 4], 6), inp([2, 4], 7), inp([1, 2], 8)],
      (t, [a, w, c]) => t.gemm(a!, w!, c, { transB: true }),
    ],
    [
      'Gemm transA',
      () => [inp([4, 3], 9), inp([4, 2], 10)],
      (t, [a, w]) => t.gemm(a!, w!, undefined, { transA: true }),
    ],
    [
      'Gemm transA transB',
      () => [inp([4, 3], 11), inp([2, 4], 12)],
      (t, [a, w]) => t.gemm(a!, w!, undefined, { transA: true, transB: true }),
    ],
    ['Add (broadcast)', () => [inp([3, 4], 13), inp([4], 14)], (t, [a, b]) => t.add(a!, b!)],
    ['Sub (broadcast)', () => [inp([3, 1], 15), inp([3, 4], 16)], (t, [a, b]) => t.sub(a!, b!)],
    ['Mul (broadcast)', () => [inp([3, 4], 17), inp([1, 4], 18)], (t, [a, b]) => t.mul(a!, b!)],
    ['Div', () => [inp([3, 4], 19), inp([3, 4], 20, 0.5, 2)], (t, [a, b]) => t.div(a!, b!)],
    ['Neg', () => [inp([5], 21)], (t, [a]) => t.neg(a!)],
    ['Relu', () => [awayFromZero(inp([3, 4], 22))], (t, [a]) => t.relu(a!)],
    ['Tanh', () => [inp([3, 4], 23)], (t, [a]) => t.tanh(a!)],
    ['Sigmoid', () => [inp([3, 4], 24)], (t, [a]) => t.sigmoid(a!)],
    ['Exp', () => [inp([3, 4], 25)], (t, [a]) => t.exp(a!)],
    ['Log', () => [inp([3, 4], 26, 0.5, 2)], (t, [a]) => t.log(a!)],
    ['Softmax axis 1', () => [inp([2, 5], 27)], (t, [a]) => t.softmax(a!, 1)],
    ['Softmax axis 0', () => [inp([4, 3], 28)], (t, [a]) => t.softmax(a!, 0)],
    ['LogSoftmax', () => [inp([2, 5], 29)], (t, [a]) => t.logSoftmax(a!, -1)],
    ['Transpose', () => [inp([3, 4], 30)], (t, [a]) => t.transpose(a!, [1, 0])],
    ['ReduceSum keepdims', () => [inp([3, 4], 31)], (t, [a]) => t.reduceSum(a!, [0], true)],
    ['ReduceSum drop', () => [inp([3, 4], 32)], (t, [a]) => t.reduceSum(a!, [1], false)],
    ['ReduceMean', () => [inp([3, 4], 33)], (t, [a]) => t.reduceMean(a!, [0, 1], false)],
    ['Reshape', () => [inp([3, 4], 34)], (t, [a]) => t.reshape(a!, [2, 6])],
    [
      'symbolic N: Gemm + bias',
      () => [inp([5, 3], 35, -1, 1, ['N', 3]), inp([3, 2], 36), inp([2], 37)],
      (t, [a, w, c]) => t.gemm(a!, w!, c),
    ],
    ['reuse (x used twice)', () => [inp([3, 4], 38)], (t, [a]) => t.mul(t.tanh(a!), a!)],
  ];
  for (const [name, make, f] of cases) {
    it(name, async () => {
      expect(await gradCheck(make(), f)).toBeLessThan(TOL);
    });
  }

  it('a wrong gradient is detected (the check can fail)', async () => {
    // d/dx of x*x computed as if it were x*const: pretend by checking Mul against a perturbed function.
    const x = inp([4], 40);
    const err = await gradCheck([x], (t, [a]) => {
      const s = t.sigmoid(a!);
      // Relu of sigmoid is identity in value; its Where-based gradient is right, so break it by a non-differentiable path.
      const stopped = { name: t.raw('Identity', [s.name], s.shape).name, shape: s.shape };
      return t.mul(s, stopped);
    });
    expect(err).toBeGreaterThan(0.01);
  });
});
