// Slack-compatible incoming webhook (detections.md §5): POST { text, blocks }; the URL is the secret.
// Accepted = any 2xx (Slack answers 200 "ok").
import type { SlackConfig } from '../config.js';
import type { AlertDocument } from '../document.js';
import { attemptSignal, DeliveryError, networkFailure, type Sender } from './sender.js';

const LEVEL_MARK: Record<string, string> = { info: ':information_source:', low: ':large_blue_circle:', medium: ':large_orange_circle:', high: ':red_circle:', critical: ':rotating_light:' };

/** Slack mrkdwn treats &, < and > as control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackPayload(doc: AlertDocument): { text: string; blocks: unknown[] } {
  const title = doc.rule.title ?? doc.rule.id;
  const text = `[${doc.level.toUpperCase()}] ${title}: ${doc.summary}`;
  return {
    text: esc(text),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${doc.level.toUpperCase()}: ${title}`.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: `${LEVEL_MARK[doc.level] ?? ''} ${esc(doc.summary)}`.trim() } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Rule*\n\`${esc(doc.rule.id)}\`` },
          { type: 'mrkdwn', text: `*${esc(doc.entity.type)}*\n\`${esc(doc.entity.id)}\`` },
          { type: 'mrkdwn', text: `*From*\n${doc.windowStart}` },
          { type: 'mrkdwn', text: `*To*\n${doc.windowEnd}` },
          { type: 'mrkdwn', text: `*Evidence*\n${doc.evidence.count} activit${doc.evidence.count === 1 ? 'y' : 'ies'}` },
          ...(doc.rule.mitre.length ? [{ type: 'mrkdwn', text: `*ATT&amp;CK*\n${doc.rule.mitre.map(esc).join(', ')}` }] : []),
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `alert \`${doc.id}\` · compliance-lake` }] },
    ],
  };
}

export function slackSender(config: SlackConfig, options: { fetch?: typeof fetch } = {}): Sender {
  const doFetch = options.fetch ?? globalThis.fetch;
  return {
    async send(doc: AlertDocument, _body: string, signal: AbortSignal) {
      let res: Response;
      try {
        res = await doFetch(config.url.reveal(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'compliance-lake' },
          body: JSON.stringify(slackPayload(doc)),
          signal: attemptSignal(signal, config.timeoutMs),
        });
        await res.arrayBuffer();
      } catch (err) {
        throw networkFailure(err, config.timeoutMs, 'the Slack webhook');
      }
      if (res.status < 200 || res.status > 299) throw new DeliveryError(`the Slack webhook answered HTTP ${res.status}`);
    },
  };
}
