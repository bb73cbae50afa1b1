/**
 * DICOMweb (WADO-RS) instances: a series' `/metadata` in the DICOM JSON model, and frames fetched one by one from
 * `/instances/{uid}/frames/{n}` as multipart/related or single-part responses.
 */
import { throwIfAborted, WsiError } from '@wsi/core';
import { TAG } from './dictionary.js';
import type { DicomInstance } from './instance.js';
import { type DicomJson, dicomString } from './json.js';

/**
 * Options for DICOMweb access.
 *
 * @example
 * ```ts
 * const opts: DicomWebOptions = { headers: { authorization: `Bearer ${token}` }, timeoutMs: 30_000 };
 * ```
 */
export interface DicomWebOptions {
  /** Extra request headers (authorization, cookies). */
  headers?: Record<string, string>;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** Frame requests in flight at once per series (default 6). */
  concurrency?: number;
}

/**
 * A parsed `dicomweb+http(s)://…/studies/S/series/R` location.
 *
 * @example
 * ```ts
 * const s: DicomWebSeries = { base: 'https://pacs/wado', study: '1.2', series: '3.4' };
 * ```
 */
export interface DicomWebSeries {
  /** `http(s)://…` root of the WADO-RS service (before `/studies`). */
  base: string;
  study: string;
  series: string;
}

/**
 * Parses a `dicomweb+http(s)://…/studies/{study}/series/{series}` URL. Anything else → `InvalidArgument`.
 *
 * @example
 * ```ts
 * parseDicomWebUrl('dicomweb+https://pacs/wado/studies/1.2/series/3.4');
 * // { base: 'https://pacs/wado', study: '1.2', series: '3.4' }
 * ```
 */
export function parseDicomWebUrl(url: string): DicomWebSeries {
  const m = /^dicomweb\+(https?:\/\/.+?)\/studies\/([^/?#]+)\/series\/([^/?#]+)\/?(?:[?#].*)?$/i.exec(url);
  if (!m)
    throw new WsiError('InvalidArgument', `not a DICOMweb series URL (dicomweb+https://…/studies/S/series/R): ${url}`);
  return {
    base: m[1] as string,
    study: decodeURIComponent(m[2] as string),
    series: decodeURIComponent(m[3] as string),
  };
}

/**
 * True when `input` names a DICOMweb series (`dicomweb+http://` or `dicomweb+https://`).
 *
 * @example
 * ```ts
 * isDicomWebUrl('dicomweb+https://pacs/studies/1/series/2'); // true
 * ```
 */
export function isDicomWebUrl(input: unknown): input is string {
  return typeof input === 'string' && /^dicomweb\+https?:\/\//i.test(input);
}

async function request(url: string, accept: string, options: DicomWebOptions, signal?: AbortSignal): Promise<Response> {
  throwIfAborted(signal);
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url, { headers: { accept, ...options.headers }, signal: combined });
  } catch (err) {
    throwIfAborted(signal);
    throw new WsiError('Io', `${url}: ${timeout.aborted ? 'timed out' : (err as Error).message}`, { cause: err });
  }
  if (res.status === 404) throw new WsiError('NotFound', `${url}: 404 Not Found`);
  if (!res.ok)
    throw new WsiError('Io', `${url}: HTTP ${res.status} ${res.statusText}`, { details: { status: res.status } });
  return res;
}

/**
 * Fetches a series' metadata and returns one instance per entry. The transfer syntax is taken from the metadata
 * (TransferSyntaxUID or AvailableTransferSyntaxUID) or, when absent, from the first frame's response.
 *
 * @example
 * ```ts
 * const instances = await openDicomWebSeries(parseDicomWebUrl(url), { headers });
 * ```
 */
export async function openDicomWebSeries(
  target: DicomWebSeries,
  options: DicomWebOptions = {},
): Promise<DicomWebInstance[]> {
  const seriesUrl = `${target.base}/studies/${encodeURIComponent(target.study)}/series/${encodeURIComponent(target.series)}`;
  const res = await request(`${seriesUrl}/metadata`, 'application/dicom+json, application/json', options);
  let json: unknown;
  try {
    json = await res.json();
  } catch (err) {
    throw new WsiError('CorruptFile', `${seriesUrl}/metadata: not JSON`, { cause: err });
  }
  if (!Array.isArray(json))
    throw new WsiError('CorruptFile', `${seriesUrl}/metadata: expected a JSON array of instances`);
  const limit = limiter(Math.max(1, Math.floor(options.concurrency ?? 6)));
  const instances = json
    .filter((x): x is DicomJson => typeof x === 'object' && x !== null)
    .map((meta) => {
      const uid = dicomString(meta, TAG.SOPInstanceUID);
      if (!uid) throw new WsiError('CorruptFile', `${seriesUrl}/metadata: an instance has no SOPInstanceUID`);
      return new DicomWebInstance(`${seriesUrl}/instances/${encodeURIComponent(uid)}`, meta, options, limit);
    });
  await Promise.all(instances.map((i) => i.learnTransferSyntax()));
  return instances;
}

/**
 * One instance served by WADO-RS. Made by {@link openDicomWebSeries}.
 *
 * @example
 * ```ts
 * const jpeg = await instance.readFrame(0); // GET …/instances/{uid}/frames/1
 * ```
 */
export class DicomWebInstance implements DicomInstance {
  readonly meta: DicomJson;
  readonly fileMeta: DicomJson = {};
  readonly description: string;
  #transferSyntax: string;
  readonly #options: DicomWebOptions;
  readonly #limit: Limiter;
  /** Frame 1, when it was fetched to learn the transfer syntax (handed out once). */
  #first: Uint8Array | undefined;

  constructor(url: string, meta: DicomJson, options: DicomWebOptions, limit: Limiter = limiter(6)) {
    this.#limit = limit;
    this.description = url;
    this.meta = meta;
    this.#options = options;
    this.#transferSyntax = dicomString(meta, '00020010') ?? dicomString(meta, '00083002') ?? '';
  }

  get transferSyntax(): string {
    return this.#transferSyntax;
  }

  /** Asks for frame 1 when the metadata does not say which transfer syntax frames come in. */
  async learnTransferSyntax(): Promise<void> {
    if (this.#transferSyntax) return;
    const { bytes, syntax } = await this.#fetchFrame(0);
    this.#first = bytes;
    this.#transferSyntax = syntax ?? '1.2.840.10008.1.2.1';
  }

  async readFrame(index: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (index === 0 && this.#first) {
      const b = this.#first;
      this.#first = undefined;
      return b;
    }
    return (await this.#fetchFrame(index, signal)).bytes;
  }

  async close(): Promise<void> {}

  async #fetchFrame(index: number, signal?: AbortSignal): Promise<{ bytes: Uint8Array; syntax?: string }> {
    if (!Number.isInteger(index) || index < 0) throw new WsiError('OutOfBounds', `${this.description}: frame ${index}`);
    const url = `${this.description}/frames/${index + 1}`;
    const accept = this.#transferSyntax
      ? `multipart/related; type="application/octet-stream"; transfer-syntax=${this.#transferSyntax}, multipart/related; type="application/octet-stream"; transfer-syntax=*`
      : 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
    const { res, body } = await this.#limit(async () => {
      const r = await request(url, accept, this.#options, signal);
      return { res: r, body: new Uint8Array(await r.arrayBuffer()) };
    });
    const type = res.headers.get('content-type') ?? '';
    if (/^multipart\//i.test(type)) return firstPart(body, type, url);
    const syntax = /transfer-syntax\s*=\s*"?([0-9.]+)/i.exec(type)?.[1];
    return { bytes: body, ...(syntax ? { syntax } : {}) };
  }
}

/**
 * The body and transfer syntax of the first part of a multipart/related response.
 *
 * @example
 * ```ts
 * firstPart(body, 'multipart/related; boundary=abc', url).bytes;
 * ```
 */
export function firstPart(
  body: Uint8Array,
  contentType: string,
  where: string,
): { bytes: Uint8Array; syntax?: string } {
  const boundary = /boundary\s*=\s*"?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw new WsiError('CorruptFile', `${where}: multipart response without a boundary`);
  const enc = new TextEncoder();
  const delim = enc.encode(`--${boundary}`);
  const start = indexOf(body, delim, 0);
  if (start < 0) throw new WsiError('CorruptFile', `${where}: multipart boundary not found`);
  const headersEnd = indexOf(body, enc.encode('\r\n\r\n'), start + delim.length);
  if (headersEnd < 0) throw new WsiError('CorruptFile', `${where}: multipart part without headers`);
  const headers = new TextDecoder('latin1').decode(body.subarray(start + delim.length, headersEnd));
  const dataStart = headersEnd + 4;
  const end = indexOf(body, enc.encode(`\r\n--${boundary}`), dataStart);
  if (end < 0) throw new WsiError('CorruptFile', `${where}: multipart part is not closed (truncated)`);
  const syntax = /transfer-syntax\s*=\s*"?([0-9.]+)/i.exec(headers)?.[1];
  return { bytes: body.subarray(dataStart, end), ...(syntax ? { syntax } : {}) };
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0] as number;
  outer: for (
    let i = hay.indexOf(first, from);
    i >= 0 && i + needle.length <= hay.length;
    i = hay.indexOf(first, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

type Limiter = <T>(job: () => Promise<T>) => Promise<T>;

/** Runs at most `n` jobs at once, the rest in arrival order. */
function limiter(n: number): Limiter {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    // a finishing job hands its slot straight to the next waiter
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await job();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}
