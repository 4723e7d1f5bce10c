// The console SMS provider (registered with the messaging integration by outbox.module.ts): instead of reaching a phone, a text is kept in the sms_outbox table for staff to
// read at /console/outbox. It lets a network try Amparo, and developers work, with no SMS account and no
// network. Recipient and text are encrypted like any other phone number and message, since a demo database
// can end up holding real ones.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import { countSegments } from '../../integrations/messaging/segments.ts';
import {
  recipientNumber,
  type OutgoingSms,
  type SmsSender,
} from '../../integrations/messaging/sms-sender.ts';
import { insertOutboxMessage } from './outbox.repository.ts';

export type OutboxContext = Pick<AppContext, 'db' | 'secrets' | 'clock'>;

export class ConsoleOutbox implements SmsSender {
  readonly provider = 'console' as const;
  readonly #context: OutboxContext;

  constructor(context: OutboxContext) {
    this.#context = context;
  }

  async send(message: OutgoingSms): Promise<{ providerId: string }> {
    const to = recipientNumber(message.to);
    const id = randomUUID();
    const providerId = `console:${id}`;
    const { fields, blindIndex } = this.#context.secrets;
    await insertOutboxMessage(this.#context.db, {
      id,
      created_at: this.#context.clock.now(),
      to_ciphertext: fields.encrypt({ table: 'sms_outbox', column: 'to', rowId: id }, to),
      to_index: blindIndex.index('phone', to),
      body_ciphertext: fields.encrypt({ table: 'sms_outbox', column: 'body', rowId: id }, message.body),
      segments: countSegments(message.body).segments,
      provider_id: providerId,
      case_id: message.caseId ?? null,
    });
    return { providerId };
  }
}
