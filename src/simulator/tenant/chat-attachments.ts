// What each chat message carries besides its text: the draws behind a message (id, topic, tool use), its generated
// file and its artifact version, and the index from those ids back to their chat (compliance-api.md §2.3 #17–#20).
import { Rng, entityId, hash32, randomBase58 } from './random.js';

export interface PlannedGenerated {
  id: string;
  filename: string;
  mimeType: string;
  sizeBytes: number;
}

export interface PlannedArtifact {
  /** Revisions in one chat share the artifact id and get a new version id each (compliance-api.md §2.3). */
  id: string;
  versionId: string;
  version: number;
  title: string;
}

export interface MessagePlan {
  id: string;
  topic: string;
  useTool: boolean;
  redacted: boolean;
  generated: PlannedGenerated | null;
  artifact: PlannedArtifact | null;
}

interface PlannableChat {
  index: number;
  messageTimes: number[];
}

const GENERATED: [string, string][] = [
  ['analysis.csv', 'text/csv'],
  ['chart.png', 'image/png'],
  ['summary.md', 'text/markdown'],
  ['output.txt', 'text/plain'],
];

/**
 * The per-message draws. The main generator's sequence is the one messages always used (so ids do not shift);
 * generated files draw from a second generator of their own.
 */
export function planMessages(seed: number, c: PlannableChat, topics: readonly string[]): MessagePlan[] {
  const rng = new Rng(hash32(seed, 30, c.index));
  const gen = new Rng(hash32(seed, 31, c.index));
  const plans: MessagePlan[] = [];
  let chatArtifact: string | undefined;
  let versions = 0;
  for (let i = 0; i < c.messageTimes.length; i++) {
    const id = entityId('claude_chat_msg', rng);
    const topic = rng.pick(topics);
    const useTool = i % 2 === 1 && rng.chance(0.25);
    const withArtifact = i % 2 === 1 && rng.chance(0.1);
    const artifactId = entityId('claude_artifact', rng);
    const versionId = entityId('claude_artifact_version', rng);
    const redacted = rng.chance(0.1);
    const roll = gen.next();
    const [filename, mimeType] = GENERATED[gen.int(GENERATED.length)];
    const sizeBytes = 500 + gen.int(40_000);
    const generatedId = `claude_gen_file_01${randomBase58(gen, 26)}`;
    let artifact: PlannedArtifact | null = null;
    if (withArtifact) {
      chatArtifact ??= artifactId;
      versions++;
      artifact = { id: chatArtifact, versionId, version: versions, title: `${topic} draft` };
    }
    plans.push({
      id,
      topic,
      useTool,
      redacted,
      generated: useTool && roll < 0.6 ? { id: generatedId, filename, mimeType, sizeBytes } : null,
      artifact,
    });
  }
  return plans;
}

export interface AttachmentRef<C> {
  chat: C;
  /** Index of the message in the chat. */
  message: number;
}

/** Generated-file and artifact-version ids → the chat and message that carry them, built on first use. */
export class ChatAttachments<C extends PlannableChat = PlannableChat> {
  private index?: { generated: Map<string, AttachmentRef<C>>; artifacts: Map<string, AttachmentRef<C>> };

  constructor(
    private readonly seed: number,
    private readonly chats: readonly C[],
    private readonly topics: readonly string[],
  ) {}

  plan(c: C): MessagePlan[] {
    return planMessages(this.seed, c, this.topics);
  }

  generated(id: string): AttachmentRef<C> | undefined {
    return this.build().generated.get(id);
  }

  artifactVersion(versionId: string): AttachmentRef<C> | undefined {
    return this.build().artifacts.get(versionId);
  }

  private build() {
    if (!this.index) {
      const generated = new Map<string, AttachmentRef<C>>();
      const artifacts = new Map<string, AttachmentRef<C>>();
      for (const chat of this.chats) {
        this.plan(chat).forEach((p, message) => {
          if (p.generated) generated.set(p.generated.id, { chat, message });
          if (p.artifact) artifacts.set(p.artifact.versionId, { chat, message });
        });
      }
      this.index = { generated, artifacts };
    }
    return this.index;
  }
}

/** The text of one artifact version; its md5 and size are over these UTF-8 bytes (compliance-api.md §2.3). */
export function artifactText(a: PlannedArtifact): string {
  const lines = [`# ${a.title}`, '', `Revision ${a.version}.`, ''];
  for (let i = 0; i < 3 + a.version; i++) lines.push(`- point ${i + 1} about the ${a.title} — “résumé” ✓`);
  return `${lines.join('\n')}\n`;
}
