// Who sees what Twilio still holds. Only counts and Twilio's error codes are shown (no SID, number or
// text), but what to do about a refusal (Twilio's console, support) is an administrator's call.
import { staffWith } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';

export const PROVIDER_COPY_ROLES: readonly Role[] = ['admin'];

export const viewProviderCopies = staffWith(...PROVIDER_COPY_ROLES);
export const retryProviderCopies = staffWith(...PROVIDER_COPY_ROLES);
