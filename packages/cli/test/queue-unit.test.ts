import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isWsiError } from '@wsi/core';
import { afterAll, describe, expect, it } from 'vitest';
import { connectionOptions, displayUrl, parseQueueUrl, reconnectDelay } from '../src/queue/connection.js';
import { absoluteLocation, checkJobData, jobParams, PERMANENT_CODES, slideJobId } from '../src/queue/job.js';
import { removeSlideTempFiles, slideTempPattern } from '../src/queue/stale-temp.js';
import { slidesPerHour } from '../src/queue/status.js';
import { normalizeRunParams } from '../src/run/index.js';

const BIN = resolve(__dirname, '../dist/bin.js');

describe('queue URL', () => {
  it('parses host, port, database, credentials and TLS', () => {
    expect(parseQueueUrl('redis://127.0.0.1:6380/2')).toEqual({ host: '127.0.0.1', port: 6380, db: 2, tls: false });
    expect(parseQueueUrl('redis://redis')).toEqual({ host: 'redis', port: 6379, db: 0, tls: false });
    const t = parseQueueUrl('rediss://me:p%40ss@h.example:7000/');
    expect(t).toEqual({ host: 'h.example', port: 7000, db: 0, username: 'me', password: 'p@ss', tls: true });
    expect(displayUrl(t)).toBe('rediss://me@h.example:7000/0');
    expect(parseQueueUrl('redis://[::1]:6379/1').host).toBe('::1');
  });

  it('rejects other schemes, bad ports, databases and queries as InvalidArgument', () => {
    for (const bad of [
      'http://h:6379',
      'h:6379',
      'redis://h:0',
      'redis://h:6379/x',
      'redis://h/1/2',
      'redis://h?db=1',
    ]) {
      let err: unknown;
      try {
        parseQueueUrl(bad);
      } catch (e) {
        err = e;
      }
      expect(isWsiError(err, 'InvalidArgument'), bad).toBe(true);
    }
  });

  it('workers retry commands forever, short-lived commands give up; reconnects back off to a cap', () => {
    const t = parseQueueUrl('redis://h:1/3');
    expect(connectionOptions(t, 'worker').maxRetriesPerRequest).toBeNull();
    expect(connectionOptions(t, 'client').maxRetriesPerRequest).toBe(2);
    expect(connectionOptions(t, 'worker').db).toBe(3);
    expect([1, 2, 3, 10, 1000].map((n) => reconnectDelay(n))).toEqual([200, 400, 800, 5000, 5000]);
  });

  it('a bad --queue is a usage error (exit 2) for every queue command', () => {
    for (const args of [
      ['queue', 'status', '--queue', 'http://x'],
      ['queue', 'drain', '--queue', 'redis://h:99999'],
      ['worker', '--queue', 'nope'],
    ]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--queue/);
    }
  });
});

describe('slide jobs', () => {
  const base = { slide: '/data/a.svs', outDir: '/out', name: 'a', params: jobParams({}) };

  it('the job id is a function of output folder, slide, name and output-changing parameters only', () => {
    const id = slideJobId(base);
    expect(id).toMatch(/^wsi-[0-9a-f]{64}$/);
    expect(slideJobId({ ...base, params: jobParams({}) })).toBe(id);
    expect(slideJobId({ ...base, params: { ...base.params, threads: 8, batchSize: 16 } })).toBe(id);
    expect(slideJobId({ ...base, params: jobParams({ patchSize: 512 }) })).not.toBe(id);
    expect(slideJobId({ ...base, outDir: '/out2' })).not.toBe(id);
    expect(slideJobId({ ...base, slide: '/data/b.svs' })).not.toBe(id);
    // key order does not matter
    const reordered = Object.fromEntries(Object.entries(base.params).reverse()) as typeof base.params;
    expect(slideJobId({ ...base, params: reordered })).toBe(id);
  });

  it('paths become absolute, URLs stay; model paths too', () => {
    expect(absoluteLocation('s/a.svs')).toBe(resolve('s/a.svs'));
    expect(absoluteLocation('https://h/a.svs')).toBe('https://h/a.svs');
    expect(jobParams({ model: 'm.onnx' }).model).toBe(resolve('m.onnx'));
    expect(jobParams({}).model).toBe('default');
    expect(jobParams({})).toEqual(normalizeRunParams({}));
  });

  it('checks payloads read back from Redis', () => {
    expect(checkJobData(base)).toEqual(base);
    for (const bad of [null, 3, { ...base, slide: '' }, { ...base, params: undefined }])
      expect(() => checkJobData(bad)).toThrow(/payload|params/);
  });

  it('corrupt, unsupported, missing and invalid slides are not retried; I/O errors are', () => {
    for (const c of ['CorruptFile', 'UnsupportedFormat', 'NotFound', 'InvalidArgument'])
      expect(PERMANENT_CODES.has(c)).toBe(true);
    for (const c of ['Io', 'Aborted', 'OutOfBounds']) expect(PERMANENT_CODES.has(c)).toBe(false);
  });
});

describe('temporary files of an earlier attempt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-queue-tmp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('matches the atomic writers’ names of one slide only', () => {
    const p = slideTempPattern('s1');
    for (const yes of ['.s1.h5.tmp-12-0a1b2c3d', 's1.h5.tmp-99-ff', '.s1_mask.png.tmp-1-ab', '.s1.json.4.ab12.tmp'])
      expect(p.test(yes), yes).toBe(true);
    for (const no of ['s1.h5', '.s10.h5.tmp-1-ab', '.xs1.h5.tmp-1-ab', '.s1.h5.tmp-x'])
      expect(p.test(no), no).toBe(false);
    expect(slideTempPattern('a.b+c').test('.a.b+c.h5.tmp-1-ab')).toBe(true);
    expect(slideTempPattern('a.b+c').test('.aXb+c.h5.tmp-1-ab')).toBe(false);
  });

  it('removes them under the output folder and keeps everything else', async () => {
    mkdirSync(join(dir, 'patches'), { recursive: true });
    mkdirSync(join(dir, '.wsi-state'), { recursive: true });
    const files = {
      gone: ['patches/s1.h5.tmp-4242-0badcafe', '.wsi-state/.s1.json.tmp-1-ab'],
      kept: ['patches/s1.h5', 'patches/s10.h5.tmp-4242-0badcafe', '.wsi-state/s1.json'],
    };
    for (const f of [...files.gone, ...files.kept]) writeFileSync(join(dir, f), 'x');
    expect(await removeSlideTempFiles(dir, 's1')).toBe(2);
    for (const f of files.gone) expect(existsSync(join(dir, f))).toBe(false);
    for (const f of files.kept) expect(existsSync(join(dir, f))).toBe(true);
  });
});

describe('throughput', () => {
  it('is finished slides over the time from the first start to the last end', () => {
    expect(slidesPerHour([])).toEqual({ slidesPerHour: null, seconds: 0 });
    const jobs = [
      { processedOn: 0, finishedOn: 30_000 },
      { processedOn: 10_000, finishedOn: 60_000 },
      { processedOn: 5_000 },
    ];
    expect(slidesPerHour(jobs)).toEqual({ slidesPerHour: 120, seconds: 60 });
  });
});
