/**
 * Cross-validation splits: stratified by label, grouped by case (no case on both sides), seeded.
 */
import { WsiError } from '@wsi/core';
import { Rng } from '../engine/rng.js';
import type { BagInfo } from './bags.js';

/**
 * Assigns each bag a fold 0..k−1. Bags sharing a `caseId` stay together; cases are dealt round-robin per label
 * (the label of a case's first bag) after a seeded shuffle, so folds are stratified. A manifest `fold` column, when
 * every bag has one, is used as is.
 *
 * @throws WsiError `InvalidArgument` when k < 2 or there are fewer cases than folds.
 * @example
 * ```ts
 * const fold = stratifiedFolds(source.bags, 5, 0); // fold[i] for bag i
 * ```
 */
export function stratifiedFolds(bags: readonly BagInfo[], k: number, seed: number): number[] {
  if (!(Number.isInteger(k) && k >= 2)) throw new WsiError('InvalidArgument', `folds must be an integer ≥ 2, got ${k}`);
  if (bags.every((b) => b.fold !== undefined)) {
    const bad = bags.find((b) => (b.fold as number) >= k);
    if (bad) throw new WsiError('InvalidArgument', `bag '${bad.id}' has fold ${bad.fold}, but --folds is ${k}`);
    return bags.map((b) => b.fold as number);
  }
  const cases = new Map<string, number[]>();
  bags.forEach((b, i) => {
    const key = b.caseId ?? `\u0000bag:${b.id}`;
    const list = cases.get(key) ?? [];
    list.push(i);
    cases.set(key, list);
  });
  if (cases.size < k) throw new WsiError('InvalidArgument', `${cases.size} case(s) cannot fill ${k} folds`);
  const byLabel = new Map<number, string[]>();
  for (const [key, idx] of cases) {
    const label = bags[idx[0] as number]?.label ?? -1;
    const list = byLabel.get(label) ?? [];
    list.push(key);
    byLabel.set(label, list);
  }
  const rng = new Rng(seed ^ 0x5eed);
  const fold = new Array<number>(bags.length).fill(0);
  let next = 0;
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const keys = rng.shuffle(byLabel.get(label) as string[]);
    for (const key of keys) {
      for (const i of cases.get(key) as number[]) fold[i] = next % k;
      next++;
    }
  }
  return fold;
}
