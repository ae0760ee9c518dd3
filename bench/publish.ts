// Benchmark (issue 14 §4): `publish` of the 100 M lake to a local S3 server against a plain copy of the same
// files. Target: publish wall time / copy wall time <= 1.5.
//
// The lake is read in place and never written (CL_BENCH_PUBLISH_DIR, default /tmp/cl-bench-100m-full):
// publish keeps its state on the remote (schema/publish.md §3). The files are those publish sends: the lake
// files live at the manifest head, every manifest entry, the marts' Parquet. With CL_BENCH_PUBLISH_ENTRIES=N
// only the first N manifest entries (and the files live after them, no marts) are used: a view of the lake
// made of copied entries and symbolic links, in a temp dir.
//
// publish: the built CLI (`compliance-lake publish --concurrency 4`) as a child process, to s3rver in a
// second child process on 127.0.0.1 writing under the same /tmp disk. copy: a Node stream copy
// (createReadStream -> createWriteStream, 4 files at a time, no fsync, like s3rver) of the same files into a
// directory on the same disk, run before and after the publish; the ratio uses their mean. A second publish
// (nothing new: only the marker) is timed too. The server's and the copy's files are deleted after each run.
//
// A second baseline, since the copy's ratio is bounded by the S3 server itself (s3rver hashes and writes every
// body on one thread): a plain upload of the same files to the same server, PutObject by PutObject with the
// AWS SDK (4 at a time, a read stream and its length, no checksum of ours, no retry, no manifest), before and
// after the publish, each into a fresh server. `plainRatio` = publish / the plain upload's mean: what publish's
// own work (Content-MD5, the hash chain's check, the marker, its retries' bookkeeping) costs over the transfer.
import { spawn } from 'node:child_process';
import { copyFileSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { committedFiles, entryFileName, readManifest } from '../src/lake/manifest.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const S3RVER = fileURLToPath(new URL('./s3rver-process.js', import.meta.url));
const BUCKET = 'bench-publish';

export interface PublishBenchResult {
  dataDir: string;
  subsetEntries: number | null;
  files: number;
  bytes: number;
  /** cpuS: CPU seconds of each copy (before, after). */
  copy: { msBefore: number; msAfter: number; mean: number; cpuS: number[] };
  /** cpuS: CPU seconds of the publish process (sampled every 250 ms); serverCpuS: of s3rver during the publish. */
  publish: { ms: number; cpuS: number; serverCpuS: number; peakRssMiB: number; serverPeakRssMiB: number; stdout: string };
  republish: { ms: number };
  /** The plain upload to a fresh s3rver (before, after), its mean, and s3rver's CPU seconds during each. */
  plainUpload: { msBefore: number; msAfter: number; mean: number; serverCpuS: number[] };
  ratio: number;
  /** publish / the plain upload's mean. */
  plainRatio: number;
  target: { ratioAtMost: number };
  met: boolean;
  metAgainstPlainUpload: boolean;
}

export async function benchPublish(): Promise<PublishBenchResult> {
  const source = process.env.CL_BENCH_PUBLISH_DIR ?? '/tmp/cl-bench-100m-full';
  const subset = process.env.CL_BENCH_PUBLISH_ENTRIES ? Number(process.env.CL_BENCH_PUBLISH_ENTRIES) : null;
  const work = mkdtempSync('/tmp/cl-bench-publish-');
  try {
    const dataDir = subset ? subsetView(source, subset, join(work, 'view')) : source;
    const files = filesToSend(dataDir, subset === null);
    const bytes = files.reduce((n, f) => n + statSync(join(dataDir, f)).size, 0);
    process.stdout.write(`publish bench: ${files.length} files, ${(bytes / 2 ** 30).toFixed(2)} GiB from ${dataDir}\n`);

    const msBefore = await timedCopy(dataDir, files, join(work, 'copy'));
    const cpuBefore = copyCpuS;
    process.stdout.write(`  copy: ${(msBefore / 1000).toFixed(1)} s\n`);

    const plainBefore = await timedPlainUpload(dataDir, files, join(work, 's3'));
    process.stdout.write(`  plain upload: ${(plainBefore.ms / 1000).toFixed(1)} s (s3rver ${plainBefore.serverCpuS.toFixed(1)} s CPU)\n`);

    const server = await startServer(join(work, 's3'));
    let publishRun: { ms: number; peakRss: number; cpuS: number; stdout: string };
    let republish: { ms: number };
    let serverPeak: number;
    let serverCpu: number;
    try {
      publishRun = await runPublish(dataDir, server.url);
      serverCpu = server.cpuS();
      process.stdout.write(`  publish: ${(publishRun.ms / 1000).toFixed(1)} s\n`);
      republish = { ms: (await runPublish(dataDir, server.url)).ms };
      serverPeak = server.peakRss();
    } finally {
      await server.stop();
      rmSync(join(work, 's3'), { recursive: true, force: true });
    }
    const plainAfter = await timedPlainUpload(dataDir, files, join(work, 's3'));
    process.stdout.write(`  plain upload again: ${(plainAfter.ms / 1000).toFixed(1)} s (s3rver ${plainAfter.serverCpuS.toFixed(1)} s CPU)\n`);
    const msAfter = await timedCopy(dataDir, files, join(work, 'copy'));
    process.stdout.write(`  copy again: ${(msAfter / 1000).toFixed(1)} s\n`);
    const mean = (msBefore + msAfter) / 2;
    const ratio = publishRun.ms / mean;
    const plainMean = (plainBefore.ms + plainAfter.ms) / 2;
    const plainRatio = publishRun.ms / plainMean;
    return {
      dataDir: source,
      subsetEntries: subset,
      files: files.length,
      bytes,
      copy: { msBefore, msAfter, mean, cpuS: [cpuBefore, copyCpuS] },
      publish: {
        ms: publishRun.ms,
        cpuS: publishRun.cpuS,
        serverCpuS: serverCpu,
        peakRssMiB: Math.round(publishRun.peakRss / 2 ** 20),
        serverPeakRssMiB: Math.round(serverPeak / 2 ** 20),
        stdout: publishRun.stdout,
      },
      republish,
      plainUpload: { msBefore: plainBefore.ms, msAfter: plainAfter.ms, mean: plainMean, serverCpuS: [plainBefore.serverCpuS, plainAfter.serverCpuS] },
      ratio: Math.round(ratio * 100) / 100,
      plainRatio: Math.round(plainRatio * 100) / 100,
      target: { ratioAtMost: 1.5 },
      met: ratio <= 1.5,
      metAgainstPlainUpload: plainRatio <= 1.5,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** What publish sends: live lake files, manifest entries, and (whole lake) the marts' Parquet; relative to the data dir. */
function filesToSend(dataDir: string, withMarts: boolean): string[] {
  const { entries } = readManifest(join(dataDir, 'lake'));
  const out = [...committedFiles(entries).keys()].map((p) => `lake/${p}`);
  out.push(...entries.map((e) => `lake/_manifests/${entryFileName(e.seq)}`));
  if (withMarts) {
    const walk = (rel: string) => {
      for (const e of readdirSync(join(dataDir, rel), { withFileTypes: true })) {
        const child = `${rel}/${e.name}`;
        if (e.isDirectory()) walk(child);
        else if (e.name.endsWith('.parquet')) out.push(child);
      }
    };
    walk('models/marts');
  }
  return out;
}

/** A data dir holding the first `n` entries (copied) and the files live after them (symbolic links). */
function subsetView(source: string, n: number, view: string): string {
  const { entries } = readManifest(join(source, 'lake'));
  const kept = entries.slice(0, n);
  mkdirSync(join(view, 'lake', '_manifests'), { recursive: true });
  for (const e of kept) copyFileSync(join(source, 'lake', '_manifests', entryFileName(e.seq)), join(view, 'lake', '_manifests', entryFileName(e.seq)));
  for (const path of committedFiles(kept).keys()) {
    mkdirSync(dirname(join(view, 'lake', path)), { recursive: true });
    symlinkSync(join(source, 'lake', path), join(view, 'lake', path));
  }
  return view;
}

/** CPU seconds of this process's copies (user + system, threads included). */
let copyCpuS = 0;

async function timedCopy(dataDir: string, files: string[], target: string): Promise<number> {
  rmSync(target, { recursive: true, force: true });
  const cpu = process.cpuUsage();
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const f = files[next++];
      mkdirSync(dirname(join(target, f)), { recursive: true });
      await pipeline(createReadStream(join(dataDir, f), { highWaterMark: 1 << 20 }), createWriteStream(join(target, f)));
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const ms = Date.now() - started;
  const used = process.cpuUsage(cpu);
  copyCpuS = (used.user + used.system) / 1e6;
  rmSync(target, { recursive: true, force: true });
  return ms;
}

/** The plain upload (see the top of this file) into a fresh s3rver under `dir`, removed afterwards. */
async function timedPlainUpload(dataDir: string, files: string[], dir: string): Promise<{ ms: number; serverCpuS: number }> {
  const server = await startServer(dir);
  try {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: server.url,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { httpAgent: { keepAlive: true, maxSockets: 4 } },
    });
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const f = files[next++];
        const path = join(dataDir, f);
        await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `plain-copy/${f}`, Body: createReadStream(path, { highWaterMark: 1 << 20 }), ContentLength: statSync(path).size }));
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const ms = Date.now() - started;
    const serverCpuS = server.cpuS();
    client.destroy();
    return { ms, serverCpuS };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startServer(dir: string): Promise<{ url: string; cpuS(): number; peakRss(): number; stop(): Promise<void> }> {
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [S3RVER, dir, BUCKET], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited early with code ${code}`)));
  });
  return {
    url,
    cpuS: () => cpuSeconds(child.pid!),
    peakRss: () => vmHwm(child.pid!),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** CPU seconds (user + system) a live process has used so far (Linux /proc/<pid>/stat, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function vmHwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function runPublish(dataDir: string, endpoint: string): Promise<{ ms: number; peakRss: number; cpuS: number; stdout: string }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'publish', '--to', `s3://${BUCKET}/lake-copy`, '--endpoint', endpoint, '--data-dir', dataDir, '--concurrency', '4'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
  });
  let stdout = '';
  let stderr = '';
  let peak = 0;
  child.stdout!.on('data', (c: Buffer) => (stdout += c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  let cpu = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, vmHwm(child.pid!) || 0);
    cpu = Math.max(cpu, cpuSeconds(child.pid!) || 0);
  }, 250);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`publish exited ${code}: ${stderr}`);
  return { ms: Date.now() - started, peakRss: peak, cpuS: cpu, stdout };
}
