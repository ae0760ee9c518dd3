// Downloads and the metadata beside them: chat/project file content, generated files, artifacts
// (compliance-api.md §2.3 #15, #17–#20).
import type { StoredFile } from '../../model.js';
import { blobChunks } from '../../tenant/blobs.js';
import { MESSAGES, notFound } from '../errors.js';
import type { RouteContext, RouteResult } from '../router.js';

const NONE: ReadonlySet<string> = new Set();

/** RFC 5987 `filename*` for every name: percent-encoded UTF-8, with the characters RFC 5987 also reserves. */
export function contentDisposition(filename: string): string {
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename*=utf-8''${encoded}`;
}

/**
 * The stored bytes, streamed chunked with Content-Disposition, the recorded Content-Type and, for content stored
 * as-is, the base64 Content-MD5 of the served bytes (RFC 1864; compliance-api.md §2.3, §2.7).
 */
export function streamStored(ctx: RouteContext, stored: StoredFile): RouteResult {
  const headers: Record<string, string> = {
    'content-type': stored.mimeType,
    'content-disposition': contentDisposition(stored.filename),
    'transfer-encoding': 'chunked',
  };
  if (stored.identity) headers['content-md5'] = Buffer.from(stored.md5, 'hex').toString('base64');
  // fault: one flipped byte in the first chunk, headers unchanged (what a client's md5 check must catch)
  const corrupt = ctx.pageFault('corrupt-bytes');
  return { headers, stream: () => (corrupt ? corrupted(blobChunks(stored.blob)) : blobChunks(stored.blob)) };
}

function* corrupted(chunks: Iterable<Buffer>): Generator<Buffer, void, undefined> {
  let first = true;
  for (const chunk of chunks) {
    if (first && chunk.length > 0) {
      first = false;
      chunk[chunk.length >> 1] ^= 0xff;
    }
    yield chunk;
  }
}

export function getFileContent(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(NONE);
  const stored = ctx.tenant.content.fileContent(ctx.params.claude_file_id, ctx.nowMs);
  if (!stored) throw notFound(MESSAGES.fileNotFound);
  return streamStored(ctx, stored);
}

export function getGeneratedFile(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(NONE);
  const found = ctx.tenant.content.generatedFile(ctx.params.claude_gen_file_id, ctx.nowMs);
  if (!found) throw notFound(MESSAGES.generatedFileNotFound);
  return { body: found.metadata };
}

export function getGeneratedFileContent(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(NONE);
  const found = ctx.tenant.content.generatedFile(ctx.params.claude_gen_file_id, ctx.nowMs);
  if (!found) throw notFound(MESSAGES.generatedFileNotFound);
  return streamStored(ctx, found.stored);
}

export function getArtifact(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(NONE);
  const found = ctx.tenant.content.artifact(ctx.params.artifact_version_id, ctx.nowMs);
  if (!found) throw notFound(MESSAGES.artifactNotFound);
  return { body: found.metadata };
}

/**
 * The newest docs return `{content, title, artifact_type}` (md5/size describe `content`); older docs and the
 * peer SDK read the raw text. Which one is served is a compat switch (compliance-api.md §2.3 [X]).
 */
export function getArtifactContent(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(NONE);
  const found = ctx.tenant.content.artifact(ctx.params.artifact_version_id, ctx.nowMs);
  if (!found) throw notFound(MESSAGES.artifactNotFound);
  if (ctx.compat.artifactContent === 'raw') {
    return { text: found.content, headers: { 'content-type': `${found.metadata.artifact_type ?? 'text/plain'}; charset=utf-8` } };
  }
  return { body: { content: found.content, title: found.metadata.title, artifact_type: found.metadata.artifact_type } };
}
