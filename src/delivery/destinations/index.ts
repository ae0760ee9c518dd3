// A configured destination's sender, by type.
import type { DestinationConfig } from '../config.js';
import { ndjsonSender } from './ndjson.js';
import type { Sender } from './sender.js';
import { slackSender } from './slack.js';
import { syslogSender } from './syslog.js';
import { webhookSender } from './webhook.js';

export { DeliveryError, type Sender } from './sender.js';

export function senderFor(config: DestinationConfig, options: { fetch?: typeof fetch } = {}): Sender {
  switch (config.type) {
    case 'webhook':
      return webhookSender(config, options);
    case 'slack':
      return slackSender(config, options);
    case 'syslog':
      return syslogSender(config);
    case 'ndjson':
      return ndjsonSender(config);
  }
}
