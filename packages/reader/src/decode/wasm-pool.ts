/**
 * A pool of worker threads running the WASM codecs (OpenJPEG for JPEG 2000, libjpeg-turbo for the JPEG fallback),
 * one worker per core, so WASM decodes run in parallel and off the event loop. Tile bytes go to a worker as a
 * transferred ArrayBuffer; pixels come back the same way (RGBA made in the worker for 8-bit RGB), with no copy on
 * the main thread. Idle workers are unref'd, so an idle pool never keeps a process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { throwIfAborted, WsiError } from '@wsi/core';

/**
 * Which codec a pooled task runs.
 *
 * @example
 * ```ts
 * const codec: WasmCodec = 'j2k';
 * ```
 */
export type WasmCodec = 'j2k' | 'jpeg';

/**
 * What a worker sends back: interleaved samples (`channels` 4 = RGBA made from 8-bit RGB).
 *
 * @example
 * ```ts
 * const tile: WasmDecoded = await wasmDecodePool().decode('j2k', bytes, 256, 256);
 * ```
 */
export interface WasmDecoded {
  width: number;
  height: number;
  channels: number;
  bitsPerSample: number;
  data: Uint8Array;
}

// The worker, as CommonJS source evaluated by Node, so it runs the same from src/ (tests) and dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const req = createRequire(workerData.base);
const quiet = () => {};
const codecs = {};
function codec(kind) {
  if (!codecs[kind]) {
    const id = kind === 'j2k' ? '@cornerstonejs/codec-openjpeg/decodewasmjs' : '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs';
    codecs[kind] = req(id)({ print: quiet, printErr: quiet }).then((c) => (kind === 'j2k' ? new c.J2KDecoder() : new c.JPEGDecoder()));
  }
  return codecs[kind];
}
parentPort.on('message', async (m) => {
  try {
    const dec = await codec(m.kind);
    const src = new Uint8Array(m.bytes);
    dec.getEncodedBuffer(src.length).set(src);
    dec.decode();
    const fi = dec.getFrameInfo();
    if (fi.width !== m.width || fi.height !== m.height) throw new Error('decoded to ' + fi.width + 'x' + fi.height);
    const px = dec.getDecodedBuffer();
    const n = fi.width * fi.height;
    const bytesPer = fi.bitsPerSample > 8 ? 2 : 1;
    const need = n * fi.componentCount * bytesPer;
    if (px.byteLength < need) throw new Error('decoded ' + px.byteLength + ' bytes, expected ' + need);
    const s = new Uint8Array(px.buffer, px.byteOffset, need);
    let out, channels = fi.componentCount;
    if (bytesPer === 1 && channels === 3) {
      out = new Uint8Array(n * 4);
      for (let i = 0, j = 0; j < out.length; i += 3, j += 4) { out[j] = s[i]; out[j + 1] = s[i + 1]; out[j + 2] = s[i + 2]; out[j + 3] = 255; }
      channels = 4;
    } else {
      out = s.slice();
    }
    parentPort.postMessage({ id: m.id, width: fi.width, height: fi.height, channels, bitsPerSample: fi.bitsPerSample, buf: out.buffer }, [out.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
`;

interface Task {
  id: number;
  kind: WasmCodec;
  bytes: Uint8Array;
  width: number;
  height: number;
  signal: AbortSignal | undefined;
  resolve: (d: WasmDecoded) => void;
  reject: (e: unknown) => void;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  busy: Task | undefined;
}

interface Reply {
  id: number;
  error?: string;
  width: number;
  height: number;
  channels: number;
  bitsPerSample: number;
  buf: ArrayBuffer;
}

/**
 * A fixed-size pool of WASM decode workers with a FIFO queue and AbortSignal support.
 *
 * @example
 * ```ts
 * const pool = new WasmDecodePool(2);
 * const px = await pool.decode('j2k', tileBytes, 256, 256);
 * await pool.close();
 * ```
 */
export class WasmDecodePool {
  readonly size: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  #seq = 0;
  #closed = false;

  /** @param size Worker count (default: the machine's cores). */
  constructor(size: number = availableParallelism()) {
    this.size = Math.max(1, Math.floor(size));
  }

  /**
   * Decodes `bytes` (a complete codestream or JPEG stream) in a worker; rejects with `CorruptFile` when it does not
   * decode to `width`×`height`, with `Aborted` when the signal fires (a queued task never reaches a worker).
   */
  decode(
    kind: WasmCodec,
    bytes: Uint8Array,
    width: number,
    height: number,
    signal?: AbortSignal,
  ): Promise<WasmDecoded> {
    throwIfAborted(signal);
    if (this.#closed) return Promise.reject(new WsiError('InvalidArgument', 'the decode pool is closed'));
    return new Promise<WasmDecoded>((resolve, reject) => {
      const task: Task = { id: this.#seq++, kind, bytes, width, height, signal, resolve, reject };
      if (signal) {
        task.onAbort = () => {
          const q = this.#queue.indexOf(task);
          if (q >= 0) this.#queue.splice(q, 1);
          reject(new WsiError('Aborted', 'the operation was aborted', { cause: signal.reason }));
        };
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
      this.#queue.push(task);
      this.#pump();
    });
  }

  /** Terminates the workers; queued tasks reject with `Aborted`. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#queue.splice(0)) t.reject(new WsiError('Aborted', 'the decode pool was closed'));
    await Promise.all(this.#slots.splice(0).map((s) => s.worker.terminate()));
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      let slot = this.#slots.find((s) => !s.busy);
      if (!slot && this.#slots.length < this.size) slot = this.#spawn();
      if (!slot) return;
      const task = this.#queue.shift() as Task;
      slot.busy = task;
      slot.worker.ref();
      const copy = new Uint8Array(task.bytes.length);
      copy.set(task.bytes);
      slot.worker.postMessage(
        { id: task.id, kind: task.kind, bytes: copy.buffer, width: task.width, height: task.height },
        [copy.buffer],
      );
    }
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { base: import.meta.url } });
    const slot: Slot = { worker, busy: undefined };
    worker.unref();
    worker.on('message', (m: Reply) => {
      const task = slot.busy;
      slot.busy = undefined;
      worker.unref();
      if (task && task.id === m.id) this.#settle(task, m);
      this.#pump();
    });
    const lost = (err: Error): void => {
      const task = slot.busy;
      slot.busy = undefined;
      const i = this.#slots.indexOf(slot);
      if (i < 0) return;
      this.#slots.splice(i, 1);
      if (task) this.#fail(task, new WsiError('CorruptFile', `WASM decoder crashed: ${err.message}`, { cause: err }));
      if (!this.#closed) this.#pump();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`worker exited with code ${code}`)));
    this.#slots.push(slot);
    return slot;
  }

  #settle(task: Task, m: Reply): void {
    if (task.onAbort) task.signal?.removeEventListener('abort', task.onAbort);
    if (task.signal?.aborted) return; // already rejected
    if (m.error !== undefined) {
      task.reject(
        new WsiError('CorruptFile', `${task.kind === 'j2k' ? 'JPEG 2000' : 'JPEG'} tile does not decode: ${m.error}`),
      );
      return;
    }
    task.resolve({
      width: m.width,
      height: m.height,
      channels: m.channels,
      bitsPerSample: m.bitsPerSample,
      data: new Uint8Array(m.buf),
    });
  }

  #fail(task: Task, err: WsiError): void {
    if (task.onAbort) task.signal?.removeEventListener('abort', task.onAbort);
    if (!task.signal?.aborted) task.reject(err);
  }
}

let shared: WasmDecodePool | undefined;

/**
 * The process-wide pool used by the JPEG 2000 decoder and the WASM JPEG backend (created on first use).
 *
 * @example
 * ```ts
 * const px = await wasmDecodePool().decode('jpeg', stream, 256, 256);
 * ```
 */
export function wasmDecodePool(): WasmDecodePool {
  shared ??= new WasmDecodePool();
  return shared;
}
