// Code Artifacts: hosted sites published from Claude Code, each with up to ~20 recent versions whose content can be
// downloaded (compliance-api.md §2.7).
import type { CodeArtifact } from '../../api/app-types.js';
import type { Content, StoredFile } from '../model.js';
import { BlobDigests } from './blobs.js';
import type { DirectoryTimeline, SimUser } from './directory.js';
import type { TenantShape } from './options.js';
import { Rng, entityId, hash32, hashString } from './random.js';
import { DAY, HOUR, iso } from './time.js';

/** Only the most recent versions are listed and downloadable; older ones are rotated out (404). */
export const KEPT_VERSIONS = 20;
const READ_MODES = ['owner', 'users', 'org', 'public'] as const;

interface SimVersion {
  id: string;
  ms: number;
  name: string;
  sizeBytes: number;
  /** Stored compressed: served without Content-MD5 (compliance-api.md §2.7). */
  identity: boolean;
  hideCreatedAt: boolean;
}

interface SimCodeArtifact {
  id: string;
  orgIndex: number;
  owner: SimUser;
  readMode: (typeof READ_MODES)[number];
  versions: SimVersion[];
  /** The newest version's upload never finishes: it answers 503. */
  uploading: boolean;
  /** Published before `updated_at` existed: the field is null and filters never match it. */
  legacy: boolean;
}

export class CodeArtifactTimeline {
  readonly artifacts: SimCodeArtifact[] = [];
  private readonly byId = new Map<string, SimCodeArtifact>();
  private readonly digests = new BlobDigests();

  constructor(
    private readonly shape: TenantShape,
    private readonly dir: DirectoryTimeline,
    claudeOrgs: number[],
  ) {
    if (claudeOrgs.length === 0) return;
    const rng = new Rng(hash32(shape.seed, 60));
    const count = Math.max(6, Math.min(2000, Math.round(shape.users / 3)));
    const { epochStartMs, timelineEndMs } = shape;
    for (let k = 0; k < count; k++) {
      const lo = epochStartMs - 30 * DAY;
      let ms = lo + Math.floor(rng.next() * (timelineEndMs - lo));
      const orgIndex = rng.pick(claudeOrgs);
      const owner = dir.pickActiveUser(rng, ms, orgIndex);
      if (!owner) continue;
      const id = entityId('cart', rng);
      const versions: SimVersion[] = [];
      const n = 1 + rng.int(26);
      for (let v = 0; v < n && ms < timelineEndMs; v++) {
        versions.push({
          id: `${Math.floor(ms / 1000)}-${(hash32(hashString(id), v) & 0xffff).toString(16).padStart(4, '0')}`,
          ms,
          name: `v${v + 1}`,
          sizeBytes: 500 + rng.int(60_000),
          identity: !rng.chance(0.2),
          hideCreatedAt: rng.chance(0.05),
        });
        ms += Math.floor(rng.between(HOUR, 5 * DAY));
      }
      const a: SimCodeArtifact = { id, orgIndex, owner, readMode: rng.pick(READ_MODES), versions, uploading: rng.chance(0.1), legacy: rng.chance(0.1) };
      this.artifacts.push(a);
      this.byId.set(id, a);
    }
    this.artifacts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private kept(a: SimCodeArtifact, t: number): SimVersion[] {
    const visible = a.versions.filter((v) => v.ms <= t);
    return visible.slice(-KEPT_VERSIONS);
  }

  at(a: SimCodeArtifact, t: number): CodeArtifact | undefined {
    const versions = this.kept(a, t);
    if (versions.length === 0) return undefined;
    const latest = versions[versions.length - 1];
    const active = this.dir.isActive(a.owner, t);
    const publishedIsUploading = a.uploading && latest === a.versions[a.versions.length - 1];
    const published = publishedIsUploading ? versions[versions.length - 2] : latest;
    return {
      id: a.id,
      organization_uuid: this.dir.orgs[a.orgIndex].uuid,
      owner_user_id: active ? a.owner.id : null,
      user: active ? { id: a.owner.id, email_address: a.owner.email } : null,
      published_version_id: published?.id ?? null,
      read_mode: a.readMode,
      updated_at: a.legacy ? null : iso(latest.ms),
      versions: [...versions].reverse().map((v) => ({ id: v.id, created_at: v.hideCreatedAt ? null : iso(v.ms), name: v.name })),
    };
  }

  view(clamp: (nowMs: number) => number): Pick<Content, 'codeArtifacts' | 'codeArtifactVersion'> {
    return {
      codeArtifacts: (now) => {
        const t = clamp(now);
        const out: CodeArtifact[] = [];
        for (const a of this.artifacts) {
          const record = this.at(a, t);
          if (record) out.push(record);
        }
        return out;
      },
      codeArtifactVersion: (artifactId, versionId, now) => {
        const t = clamp(now);
        const a = this.byId.get(artifactId);
        if (!a) return undefined;
        const kept = this.kept(a, t);
        const v = kept.find((x) => x.id === versionId);
        if (!v) return undefined;
        const uploading = a.uploading && v === a.versions[a.versions.length - 1];
        const blob = { key: hash32(this.shape.seed, hashString(`${a.id}/${v.id}`)), size: v.sizeBytes, text: true };
        const stored: StoredFile = { filename: 'index.html', mimeType: 'text/html', blob, md5: this.digests.md5(blob), identity: v.identity };
        return { state: uploading ? 'uploading' : 'ready', stored };
      },
    };
  }
}
