/**
 * Stain normalisation and augmentation: Macenko recovers a known stain matrix from a synthetic image composed
 * with it, and finds H&E vectors near the published reference on real tiles; Reinhard to an image's own
 * statistics is the identity within rounding; HED jitter is seeded, identity at zero strength, and moves stains.
 */
import { join } from 'node:path';
import { fixture } from '@wsi/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  drawHedJitter,
  fitMacenko,
  fitReinhard,
  hedJitter,
  invert3,
  labToRgb,
  MACENKO_REFERENCE,
  MacenkoNormalizer,
  ReinhardNormalizer,
  type RgbImage,
  RUIFROK_HED,
  rgbToLab,
  seededRandom,
  symmetricEigen3,
} from '../src/index.js';

const tilesDir = fixture('tiles/histolab-tissue-qc');

function unitv(v: readonly number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
function angleDeg(a: readonly number[], b: readonly number[]): number {
  const [x, y] = [unitv(a), unitv(b)];
  const dot = x.reduce((s, v, i) => s + v * (y[i] as number), 0);
  return (Math.acos(Math.min(1, Math.abs(dot))) * 180) / Math.PI;
}

/** An image made of known H and E concentrations with a known matrix (Io = 240, natural log, as Macenko). */
function synthetic(h: readonly number[], e: readonly number[], size = 128, seed = 1): RgbImage {
  const rand = seededRandom(seed);
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const kind = rand();
    // pure H, pure E (strong enough that every channel's OD passes Macenko's β = 0.15, even Ruifrok's E with
    // its 0.07 red component), mixtures, and some background
    const ch = kind < 0.15 ? 0.3 + 1.2 * rand() : kind < 0.3 ? 0 : kind < 0.9 ? 1.2 * rand() : 0;
    const ce = kind < 0.15 ? 0 : kind < 0.3 ? 1.6 + 1.2 * rand() : kind < 0.9 ? 0.8 * rand() : 0.01;
    for (let c = 0; c < 3; c++) {
      const v = 240 * Math.exp(-((h[c] as number) * ch + (e[c] as number) * ce)) - 1;
      data[i * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { width: size, height: size, channels: 3, data };
}

async function loadTile(name: string): Promise<RgbImage> {
  const { data, info } = await sharp(join(tilesDir as string, name))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 4, data };
}

describe('linear algebra helpers', () => {
  it('eigen-decomposes symmetric 3×3 matrices and inverts 3×3 matrices', () => {
    const m = [4, 1, 2, 1, 3, 0, 2, 0, 5];
    const { values, vectors } = symmetricEigen3(m);
    for (let k = 0; k < 3; k++) {
      const v = vectors[k] as number[];
      for (let r = 0; r < 3; r++) {
        const mv =
          (m[r * 3] as number) * (v[0] as number) +
          (m[r * 3 + 1] as number) * (v[1] as number) +
          (m[r * 3 + 2] as number) * (v[2] as number);
        expect(mv).toBeCloseTo((values[k] as number) * (v[r] as number), 9);
      }
    }
    expect(values[0]).toBeLessThan(values[2] as number);
    const inv = invert3(m);
    expect(inv[0] * 4 + inv[1] * 1 + inv[2] * 2).toBeCloseTo(1, 12);
    expect(() => invert3([1, 2, 3, 2, 4, 6, 0, 0, 1])).toThrow(/singular/);
  });
});

describe('Macenko', () => {
  it.each([
    ['Ruifrok H&E', RUIFROK_HED[0] as number[], RUIFROK_HED[1] as number[]],
    ['Macenko reference', MACENKO_REFERENCE.stainMatrix[0], MACENKO_REFERENCE.stainMatrix[1]],
  ])('recovers the stain matrix of a synthetic image composed with %s', (_, h, e) => {
    const hu = unitv(h);
    const eu = unitv(e);
    const fit = fitMacenko(synthetic(hu, eu));
    const [fh, fe] = fit.stainMatrix;
    console.log(
      `fitted H ${fh.map((x) => x.toFixed(4))} (angle ${angleDeg(fh, hu).toFixed(2)}°), E ${fe.map((x) => x.toFixed(4))} (angle ${angleDeg(fe, eu).toFixed(2)}°)`,
    );
    expect(angleDeg(fh, hu)).toBeLessThan(2);
    expect(angleDeg(fe, eu)).toBeLessThan(2);
    expect(fit.maxConcentrations[0]).toBeGreaterThan(1);
  });

  it('normalising an image to its own stains changes it little; to other stains, it takes their colours', () => {
    const img = synthetic(unitv(RUIFROK_HED[0] as number[]), unitv(RUIFROK_HED[1] as number[]), 96, 3);
    const self = MacenkoNormalizer.fromImage(img).normalize(img);
    let err = 0;
    for (let i = 0; i < img.data.length; i++) err += Math.abs((self.data[i] as number) - (img.data[i] as number));
    expect(err / img.data.length).toBeLessThan(1.5);
    const toRef = new MacenkoNormalizer().normalize(img);
    const back = fitMacenko(toRef);
    expect(angleDeg(back.stainMatrix[0], MACENKO_REFERENCE.stainMatrix[0])).toBeLessThan(3);
    expect(angleDeg(back.stainMatrix[1], MACENKO_REFERENCE.stainMatrix[1])).toBeLessThan(3);
    expect(back.maxConcentrations[0]).toBeCloseTo(MACENKO_REFERENCE.maxConcentrations[0], 0);
  });

  it('refuses blank images and parallel targets', () => {
    const blank = { width: 8, height: 8, channels: 3, data: new Uint8Array(192).fill(250) };
    expect(() => fitMacenko(blank)).toThrow(/stained pixels/);
    expect(
      () =>
        new MacenkoNormalizer({
          stainMatrix: [
            [1, 0, 0],
            [1, 0, 0],
          ],
          maxConcentrations: [1, 1],
        }),
    ).toThrow(/parallel/);
    expect(() => fitMacenko({ width: 8, height: 8, channels: 3, data: new Uint8Array(5) })).toThrow(/uint8/);
  });

  it.skipIf(!tilesDir)(
    'finds H&E vectors near the published reference on real H&E tiles (needs fixtures)',
    async () => {
      for (const name of ['tissue-level0-7352-11762-7864-12274.png', 'tissue-level2-4640-4649-8736-8746.png']) {
        const fit = fitMacenko(await loadTile(name));
        const [h, e] = fit.stainMatrix;
        const dh = angleDeg(h, MACENKO_REFERENCE.stainMatrix[0]);
        const de = angleDeg(e, MACENKO_REFERENCE.stainMatrix[1]);
        console.log(
          `${name}: H ${h.map((x) => x.toFixed(3))} (${dh.toFixed(1)}° from reference), E ${e.map((x) => x.toFixed(3))} (${de.toFixed(1)}°), maxC ${fit.maxConcentrations.map((x) => x.toFixed(2))}`,
        );
        expect(dh).toBeLessThan(15);
        expect(de).toBeLessThan(15);
        expect(angleDeg(h, RUIFROK_HED[0] as number[])).toBeLessThan(20);
      }
    },
  );
});

describe('Reinhard', () => {
  it('converts sRGB ↔ CIELAB (white, black, a primary) and round-trips every grey', () => {
    const lab = new Float64Array(3);
    rgbToLab(255, 255, 255, lab, 0);
    expect(lab[0]).toBeCloseTo(100, 3);
    expect(Math.abs(lab[1] as number)).toBeLessThan(0.01);
    rgbToLab(255, 0, 0, lab, 0);
    expect([lab[0], lab[1], lab[2]].map((x) => Math.round(x as number))).toEqual([53, 80, 67]);
    const px = new Uint8Array(3);
    for (let v = 0; v < 256; v++) {
      rgbToLab(v, v, v, lab, 0);
      labToRgb(lab[0] as number, lab[1] as number, lab[2] as number, px, 0);
      expect(Array.from(px)).toEqual([v, v, v]);
    }
  });

  it('normalising to an image’s own statistics is the identity within rounding, and matches target statistics', () => {
    const img = synthetic(unitv(RUIFROK_HED[0] as number[]), unitv(RUIFROK_HED[1] as number[]), 64, 5);
    const same = ReinhardNormalizer.fromImage(img).normalize(img);
    let maxErr = 0;
    for (let i = 0; i < img.data.length; i++)
      maxErr = Math.max(maxErr, Math.abs((same.data[i] as number) - (img.data[i] as number)));
    expect(maxErr).toBeLessThanOrEqual(1);
    const target = { mean: [65, 25, -12] as [number, number, number], std: [12, 7, 5] as [number, number, number] };
    const out = new ReinhardNormalizer(target).normalize(img);
    const got = fitReinhard(out);
    for (let c = 0; c < 3; c++) {
      expect(got.mean[c]).toBeCloseTo(target.mean[c] as number, 0);
      expect(Math.abs((got.std[c] as number) - (target.std[c] as number))).toBeLessThan(0.6);
    }
    expect(() => new ReinhardNormalizer({ mean: [0, 0, Number.NaN], std: [1, 1, 1] })).toThrow(/finite/);
  });

  it('keeps alpha and ignores transparent pixels when fitting', () => {
    const data = new Uint8Array(4 * 4 * 4);
    for (let i = 0; i < 16; i++) data.set(i < 8 ? [200, 100, 150, 255] : [0, 0, 0, 0], i * 4);
    const img = { width: 4, height: 4, channels: 4, data };
    const s = fitReinhard(img);
    expect(s.std.every((x) => x < 1e-6)).toBe(true);
    const out = new ReinhardNormalizer(s).normalize(img);
    expect(out.data[3]).toBe(255);
    expect(out.data[63]).toBe(0);
  });
});

describe('HED jitter', () => {
  const img = synthetic(unitv(RUIFROK_HED[0] as number[]), unitv(RUIFROK_HED[1] as number[]), 64, 9);

  it('is the identity at zero strength, seeded, and different across seeds', () => {
    const id = hedJitter(img, { sigma: 0, bias: 0 });
    let maxErr = 0;
    for (let i = 0; i < img.data.length; i++)
      maxErr = Math.max(maxErr, Math.abs((id.data[i] as number) - (img.data[i] as number)));
    expect(maxErr).toBeLessThanOrEqual(1);
    const a = hedJitter(img, { seed: 11 });
    expect(hedJitter(img, { seed: 11 }).data).toEqual(a.data);
    expect(hedJitter(img, { seed: 12 }).data).not.toEqual(a.data);
    expect(drawHedJitter({ seed: 11 })).toEqual(drawHedJitter({ seed: 11 }));
    expect(() => hedJitter(img, { sigma: -1 })).toThrow(/sigma/);
  });

  it('more haematoxylin darkens red most (H absorbs red more than E does)', () => {
    const rand = (() => {
      const draws = [1, 0.5, 0.5, 0.5, 0.5, 0.5]; // α_H = 1 + σ, others 1, β = 0
      let i = 0;
      return () => draws[i++] as number;
    })();
    const out = hedJitter(img, { sigma: 0.5, bias: 0.05, random: rand });
    let dr = 0;
    let dg = 0;
    for (let i = 0; i < img.data.length; i += 3) {
      dr += (img.data[i] as number) - (out.data[i] as number);
      dg += (img.data[i + 1] as number) - (out.data[i + 1] as number);
    }
    expect(dr).toBeGreaterThan(0);
    expect(dr).toBeGreaterThan(dg * 0.8);
  });
});
