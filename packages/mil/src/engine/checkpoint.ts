/**
 * Checkpoints: parameters, Adam moments, step counters and RNG state in one file, written atomically.
 *
 * Layout: the 8 bytes `WSIMILCK`, a little-endian uint32 header length, a UTF-8 JSON header, then the float32
 * tensors back to back (offsets in the header, in bytes from the start of the data section).
 */
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { WsiError } from '@wsi/core';
import type { MilConfig } from '../models/registry.js';
import type { TensorMap } from './optim.js';

const MAGIC = 'WSIMILCK';

/**
 * Everything needed to resume training.
 *
 * @example
 * ```ts
 * const ck: Checkpoint = await loadCheckpoint('runs/a/checkpoint.bin');
 * console.log(ck.epoch, ck.step, ck.config.model);
 * ```
 */
export interface Checkpoint {
  config: MilConfig;
  params: TensorMap;
  adam: { m: TensorMap; v: TensorMap; t: number };
  step: number;
  epoch: number;
  rngState: number[];
  /** Free-form extras (task, fold, metrics). */
  meta?: Record<string, unknown>;
}

interface Entry {
  group: 'params' | 'm' | 'v';
  name: string;
  offset: number;
  length: number;
}

/**
 * Saves a checkpoint atomically (temporary file + rename).
 *
 * @example
 * ```ts
 * await saveCheckpoint('run/ckpt.bin', engine.checkpoint(epoch));
 * ```
 */
export async function saveCheckpoint(path: string, ck: Checkpoint): Promise<void> {
  const entries: Entry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  const add = (group: Entry['group'], map: TensorMap) => {
    for (const [name, data] of map) {
      entries.push({ group, name, offset, length: data.length });
      chunks.push(data);
      offset += data.byteLength;
    }
  };
  add('params', ck.params);
  add('m', ck.adam.m);
  add('v', ck.adam.v);
  const header = Buffer.from(
    JSON.stringify({
      version: 1,
      config: ck.config,
      adamT: ck.adam.t,
      step: ck.step,
      epoch: ck.epoch,
      rngState: ck.rngState,
      meta: ck.meta ?? {},
      entries,
    }),
  );
  const pre = Buffer.alloc(12);
  pre.write(MAGIC, 0, 'latin1');
  pre.writeUInt32LE(header.length, 8);
  const body = Buffer.concat([pre, header, ...chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))]);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, body);
    await rename(tmp, path);
  } catch (cause) {
    await unlink(tmp).catch(() => undefined);
    throw new WsiError('Io', `cannot write checkpoint ${path}`, { cause });
  }
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint}.
 *
 * @throws WsiError `NotFound` (no file), `CorruptFile` (bad magic, header or sizes).
 * @example
 * ```ts
 * const ck = await loadCheckpoint('run/ckpt.bin');
 * const engine = await MilEngine.fromCheckpoint(ck);
 * ```
 */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (cause) {
    throw new WsiError(
      (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'NotFound' : 'Io',
      `cannot read checkpoint ${path}`,
      { cause },
    );
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC)
    throw new WsiError('CorruptFile', `${path}: not a @wsi/mil checkpoint`);
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length)
    throw new WsiError('CorruptFile', `${path}: header length ${hlen} past the end of the file`);
  let h: {
    config: MilConfig;
    adamT: number;
    step: number;
    epoch: number;
    rngState: number[];
    meta: Record<string, unknown>;
    entries: Entry[];
  };
  try {
    h = JSON.parse(buf.toString('utf8', 12, 12 + hlen));
  } catch (cause) {
    throw new WsiError('CorruptFile', `${path}: unreadable checkpoint header`, { cause });
  }
  const base = 12 + hlen;
  const maps: Record<Entry['group'], TensorMap> = { params: new Map(), m: new Map(), v: new Map() };
  for (const e of h.entries) {
    const start = base + e.offset;
    if (!(Number.isInteger(e.length) && e.length >= 0) || start + e.length * 4 > buf.length) {
      throw new WsiError('CorruptFile', `${path}: tensor '${e.name}' lies past the end of the file`);
    }
    const out = new Float32Array(e.length);
    new Uint8Array(out.buffer).set(buf.subarray(start, start + e.length * 4));
    maps[e.group].set(e.name, out);
  }
  return {
    config: h.config,
    params: maps.params,
    adam: { m: maps.m, v: maps.v, t: h.adamT },
    step: h.step,
    epoch: h.epoch,
    rngState: h.rngState,
    meta: h.meta,
  };
}
