import { describe, expect, it } from 'vitest';
import { isWsiError, throwIfAborted, toWsiError, WSI_ERROR_CODES, WsiError } from '../src/errors.js';

describe('WsiError / isWsiError', () => {
  it('carries code, details, cause and serialises to JSON', () => {
    const cause = new Error('low level');
    const e = new WsiError('CorruptFile', 'bad IFD', { cause, details: { offset: 8 } });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('WsiError');
    expect(e.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      name: 'WsiError',
      code: 'CorruptFile',
      message: 'bad IFD',
      details: { offset: 8 },
    });
    expect(isWsiError(e)).toBe(true);
    expect(isWsiError(e, 'CorruptFile')).toBe(true);
    expect(isWsiError(e, 'Io')).toBe(false);
    expect(WSI_ERROR_CODES).toContain('Aborted');
  });

  it('recognises a branded error from another copy of @wsi/core, and rejects look-alikes', () => {
    const foreign = Object.assign(new Error('from a worker'), { code: 'NotFound' });
    Object.defineProperty(foreign, Symbol.for('@wsi/core/WsiError'), { value: true });
    expect(isWsiError(foreign, 'NotFound')).toBe(true);
    expect(isWsiError(foreign, 'Io')).toBe(false);
    expect(isWsiError({ name: 'WsiError', code: 'NotFound', message: 'x' })).toBe(false);
    expect(isWsiError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(false);
    expect(isWsiError(null)).toBe(false);
    expect(isWsiError('NotFound')).toBe(false);
  });
});

describe('throwIfAborted', () => {
  it('throws Aborted only for a fired signal', () => {
    expect(() => throwIfAborted(undefined)).not.toThrow();
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow();
    expect(() => throwIfAborted(AbortSignal.abort())).toThrow(expect.objectContaining({ code: 'Aborted' }));
  });
});

describe('toWsiError', () => {
  const sys = (code: string) => Object.assign(new Error(`${code}: boom`), { code });

  it('maps Node system errors', () => {
    expect(toWsiError(sys('ENOENT'), 'open a.svs').code).toBe('NotFound');
    expect(toWsiError(sys('EISDIR'), 'open d').code).toBe('InvalidArgument');
    expect(toWsiError(sys('ENOTDIR'), 'open d/x').code).toBe('InvalidArgument');
    const io = toWsiError(sys('EACCES'), 'open a.svs');
    expect(io.code).toBe('Io');
    expect(io.details).toEqual({ errno: 'EACCES' });
    expect(io.message).toMatch(/^open a\.svs: /);
    expect(io.cause).toBeInstanceOf(Error);
  });

  it('maps AbortError, passes WsiErrors through and wraps anything else', () => {
    const abort = new DOMException('stop', 'AbortError');
    expect(toWsiError(abort, 'read').code).toBe('Aborted');
    const e = new WsiError('OutOfBounds', 'level 9');
    expect(toWsiError(e, 'ctx')).toBe(e);
    const s = toWsiError('a string', 'ctx');
    expect(s.code).toBe('Io');
    expect(s.message).toBe('ctx: a string');
  });
});
