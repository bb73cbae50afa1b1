// Bench worker: WASM libjpeg-turbo (@cornerstonejs/codec-libjpeg-turbo-8bit) decoding JPEG streams to RGBA.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(workerData.resolveFrom);
const codec = await require('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')();
const dec = new codec.JPEGDecoder();
parentPort.on('message', ({ id, bytes, out }) => {
  dec.getEncodedBuffer(bytes.byteLength).set(new Uint8Array(bytes));
  dec.decode();
  const { width, height, componentCount } = dec.getFrameInfo();
  const px = dec.getDecodedBuffer();
  const src = new Uint8Array(px.buffer, px.byteOffset, px.length);
  const n = width * height;
  const buf = out && out.byteLength >= n * 4 ? out : new ArrayBuffer(n * 4);
  const u32 = new Uint32Array(buf, 0, n);
  if (componentCount === 3)
    for (let i = 0, j = 0; j < n; i += 3, j++) u32[j] = src[i] | (src[i + 1] << 8) | (src[i + 2] << 16) | 0xff000000;
  else for (let j = 0; j < n; j++) u32[j] = src[j] * 0x010101 + 0xff000000;
  parentPort.postMessage({ id, out: buf, width, height }, [buf]);
});
parentPort.postMessage({ ready: true });
