/**
 * Multiple-instance learning bags: one label for many instances (patch features), possibly across several
 * slides (a biopsy). Built from a manifest (docs/formats.md).
 *
 * @example
 * ```ts
 * const bag: BagSpec = { id: 'case-7', label: 1, slides: ['s1', 's2'], caseId: 'P7' };
 * ```
 */
export interface BagSpec {
  /** `bag_id` from the manifest, or the slide `<name>` when each slide is its own bag. */
  id: string;
  /** Slide `<name>`s whose features make up the bag. */
  slides: string[];
  /** Integer class 0..C−1 (or a stage / value for ordinal and regression tasks). */
  label?: number;
  /** Patient/case for grouped splits. */
  caseId?: string;
  /** Fixed fold assignment from the manifest. */
  fold?: number;
}
