// The message-status registry on its own: handlers run in the order they registered, one after the other,
// and registering a name again replaces its handler rather than adding a second call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppContext } from '../../app/context.ts';
import { handleMessageStatus, registerMessageStatusHandler, type MessageStatusNotice } from './status.ts';

const notice: MessageStatusNotice = {
  messageSid: 'SM0123456789abcdef0123456789abcdef',
  status: 'undelivered',
  errorCode: 30006,
  to: '+15005550006',
};

test('each registered handler hears a status once, in registration order; a name registered again is replaced', async () => {
  const heard: string[] = [];
  const context = {} as AppContext;
  registerMessageStatusHandler('first', async (_context, seen) => heard.push(`first:${seen.status}`));
  registerMessageStatusHandler('second', async (_context, seen) => heard.push(`second:${seen.errorCode}`));
  registerMessageStatusHandler('first', async (_context, seen) =>
    heard.push(`first again:${seen.messageSid}`),
  );
  await handleMessageStatus(context, notice);
  assert.deepEqual(heard, [`first again:${notice.messageSid}`, 'second:30006']);
});

test('a handler that fails stops the ones after it, so the route fails and Twilio retries', async () => {
  const heard: string[] = [];
  registerMessageStatusHandler('failing', async () => {
    throw new Error('database down');
  });
  registerMessageStatusHandler('after', async () => heard.push('after'));
  await assert.rejects(handleMessageStatus({} as AppContext, notice), /database down/);
  assert.equal(heard.includes('after'), false);
});
