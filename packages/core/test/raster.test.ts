import { describe, expect, it } from 'vitest';
import { isWsiError } from '../src/errors.js';
import { createRaster, MAX_RASTER_ELEMENTS } from '../src/raster.js';

describe('createRaster', () => {
  it('allocates zero-filled rasters of each dtype', () => {
    const r = createRaster(3, 2, 4);
    expect(r).toMatchObject({ width: 3, height: 2, channels: 4, dtype: 'uint8' });
    expect(r.data).toBeInstanceOf(Uint8Array);
    expect(r.data.length).toBe(24);
    expect(r.data.every((v) => v === 0)).toBe(true);
    expect(createRaster(2, 2, 1, 'uint16').data).toBeInstanceOf(Uint16Array);
    expect(createRaster(2, 2, 3, 'float32').data).toHaveLength(12);
    expect(createRaster(0, 5, 4).data).toHaveLength(0);
  });

  it('refuses bad and oversized dimensions without allocating', () => {
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isWsiError(e, 'InvalidArgument');
      }
      return false;
    };
    expect(bad(() => createRaster(-1, 2, 4))).toBe(true);
    expect(bad(() => createRaster(1.5, 2, 4))).toBe(true);
    expect(bad(() => createRaster(2, Number.NaN, 4))).toBe(true);
    expect(bad(() => createRaster(1, 1, Number.POSITIVE_INFINITY))).toBe(true);
    expect(bad(() => createRaster(100_000, 100_000, 4))).toBe(true); // a corrupt header's size
    expect(bad(() => createRaster(MAX_RASTER_ELEMENTS, 1, 2))).toBe(true);
    expect(bad(() => createRaster(1, 1, 1, 'int8' as 'uint8'))).toBe(true);
  });
});
