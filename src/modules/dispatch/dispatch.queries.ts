// What other modules may read of dispatches: who was sent to an incident (the evidence and observation modules
// let those responders see and add to it). Read-only.
export { dispatchedResponderIds } from './dispatch.repository.ts';
