/**
 * Property targets of the table parsers and presets: `parseCsv` / `parseCsvRecords` / `parseManifest` (@wsi/core)
 * and the presets (@wsi/embed `getPreset`, @wsi/patcher `segmentationParams`) — typed errors only, and CSV quoting
 * round-trips.
 */
import { csvField, parseCsv, parseManifest } from '@wsi/core';
import { getPreset, PRESETS } from '@wsi/embed';
import { PRESETS as SEGMENTATION_PRESETS, segmentationParams } from '@wsi/patcher';
import fc from 'fast-check';
import { type AnyProperty, typedOrOk } from './common.js';

const cell = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom('', '"', '""', ',', '\r\n', '\n', ' 1 ', '0.5', '-1', 'NaN', '1e999', 'a"b', '\uFEFF', '\u0000'),
  fc.double().map(String),
);
const header = fc.shuffledSubarray(['slide', 'mpp', 'case_id', 'bag_id', 'label', 'fold', 'extra', 'slide', ''], {
  minLength: 0,
});

/** Manifests: known and unknown columns, hostile cells, mixed line ends, BOM, truncation. */
const manifestText = fc
  .tuple(
    header,
    fc.array(fc.array(cell, { maxLength: 8 }), { maxLength: 6 }),
    fc.constantFrom('\n', '\r\n', '\r'),
    fc.boolean(),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([h, rows, eol, bom, cut]) => {
    const text = (bom ? '\uFEFF' : '') + [h.join(','), ...rows.map((r) => r.join(','))].join(eol);
    return cut === undefined ? text : text.slice(0, cut % (text.length + 1));
  });

/**
 * Manifests and CSV: the parsers return or throw a WsiError for any text.
 *
 * @example
 * ```ts
 * await checkProperty('manifest', manifestProperty(), 200, 1);
 * ```
 */
export function manifestProperty(): AnyProperty {
  return fc.property(fc.oneof(manifestText, fc.string({ maxLength: 300 })), (text) => {
    typedOrOk('parseCsv', () => parseCsv(text, 'fuzz'));
    typedOrOk('parseManifest', () => parseManifest(text, 'fuzz'));
  });
}

/**
 * Quoting round-trip: rows written with `csvField` parse back to the same cells.
 *
 * @example
 * ```ts
 * await checkProperty('csv-roundtrip', csvRoundTripProperty(), 200, 1);
 * ```
 */
export function csvRoundTripProperty(): AnyProperty {
  const rows = fc.array(fc.array(fc.string({ maxLength: 8 }), { minLength: 2, maxLength: 5 }), {
    minLength: 1,
    maxLength: 5,
  });
  return fc.property(rows, (table) => {
    const text = table.map((r) => r.map(csvField).join(',')).join('\n');
    const back = typedOrOk('parseCsv', () => parseCsv(text, 'fuzz'));
    if (back === undefined) return; // a typed refusal (e.g. a row the parser deems malformed) is allowed
    const expected = table.filter((r) => !r.every((c) => c === ''));
    const got = back.filter((r) => !r.every((c) => c === ''));
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      throw new Error(`round trip changed the table: ${JSON.stringify(expected)} → ${JSON.stringify(got)}`);
    }
  });
}

/**
 * Presets: any id resolves to a preset or `InvalidArgument`; every preset is self-consistent.
 *
 * @example
 * ```ts
 * await checkProperty('presets', presetProperty(), 100, 1);
 * ```
 */
export function presetProperty(): AnyProperty {
  const ids = [...Object.keys(PRESETS), ...Object.keys(SEGMENTATION_PRESETS)];
  return fc.property(
    fc.oneof(
      fc.constantFrom(...ids),
      fc.string({ maxLength: 20 }),
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
    ),
    (id) => {
      const seg = typedOrOk('segmentationParams', () => segmentationParams(id));
      if (seg !== undefined && !Object.keys(SEGMENTATION_PRESETS).includes(id)) {
        // an unknown id must be refused, not resolved to an inherited property
        throw new Error(`segmentationParams('${id}') resolved to ${JSON.stringify(seg)}`);
      }
      const p = typedOrOk('getPreset', () => getPreset(id));
      if (p === undefined) return;
      const ok =
        p.inputSize > 0 &&
        p.resizeSize >= p.inputSize &&
        p.mean.length === 3 &&
        p.std.every((v) => v > 0) &&
        typeof p.id === 'string';
      if (!ok) throw new Error(`preset '${id}' is not a usable preset: ${JSON.stringify(p)}`);
    },
  );
}
