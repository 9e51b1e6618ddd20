/**
 * Controller event codes: an event whose code the rule covers fires its fault at once. It clears
 * after `clearAfter` without the code (measured on reading/event timestamps), or never
 * automatically when `clearAfter` is omitted (a trip stays a fault until someone fixes it; the
 * service process clears it with {@link clearEventRule}).
 */
import type { CompiledEvent, ControllerEvent, EventState, Finding } from './detection.types.js';

export function initialEventState(sig: string): EventState {
  return { kind: 'event', sig, firing: false, runSince: null, lastSeen: null, code: null };
}

export function onEvent(rule: CompiledEvent, state: EventState, event: ControllerEvent, suppressed: () => boolean): Finding | null {
  if (!rule.codes.includes(event.code)) return null;
  state.lastSeen = Math.max(state.lastSeen ?? event.ts, event.ts);
  state.code = event.code;
  if (state.firing || suppressed()) return null;
  state.firing = true;
  return finding(rule, state, 'firing', event.ts);
}

/** Advances time to `ts`: clears the rule when the code has been absent for `clearAfter`. */
export function tickEvent(rule: CompiledEvent, state: EventState, ts: number): Finding | null {
  if (!state.firing || rule.clearAfterMs === null || state.lastSeen === null) return null;
  if (ts - state.lastSeen < rule.clearAfterMs) return null;
  state.firing = false;
  return finding(rule, state, 'cleared', ts);
}

/** Clears a never-auto-clearing event rule (e.g. when the ticket is closed). */
export function clearEventRule(rule: CompiledEvent, state: EventState, ts: number): Finding | null {
  if (!state.firing) return null;
  state.firing = false;
  return finding(rule, state, 'cleared', ts);
}

function finding(rule: CompiledEvent, state: EventState, kind: 'firing' | 'cleared', ts: number): Finding {
  const seen = state.lastSeen ?? ts;
  return {
    ruleId: rule.id,
    faultCode: rule.fault,
    kind: 'event',
    state: kind,
    at: ts,
    evidence: { ...(state.code ? { eventCode: state.code } : {}), values: [], window: { from: seen, to: ts } },
  };
}
