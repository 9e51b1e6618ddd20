/**
 * No data: a device silent for longer than its model allows is a fault of its own. Pure: the
 * caller supplies the clock (a scheduler's "now", or simulated time in a replay).
 */
import type { Finding, SilenceRule } from './detection.types.js';

/** A firing silence finding when `nowTs − lastSeenTs` exceeds the rule's limit, else null. */
export function checkSilence(lastSeenTs: number | null, nowTs: number, rule: SilenceRule): Finding | null {
  if (lastSeenTs === null) return null;
  const silentForMs = nowTs - lastSeenTs;
  if (silentForMs <= rule.afterMs) return null;
  return {
    ruleId: rule.ruleId,
    faultCode: rule.faultCode,
    kind: 'silence',
    state: 'firing',
    at: nowTs,
    evidence: { values: [], window: { from: lastSeenTs, to: nowTs }, threshold: rule.afterMs, silentForMs },
  };
}

/**
 * The cleared finding emitted when a silent device speaks again at `ts`. Whatever it sends now
 * shows it is back, even an item stamped before `since` (an event older than its last reading,
 * or a clock that went back): the silence then counts as 0 ms, never negative.
 */
export function silenceCleared(rule: SilenceRule, since: number, ts: number): Finding {
  const to = Math.max(ts, since);
  return {
    ruleId: rule.ruleId,
    faultCode: rule.faultCode,
    kind: 'silence',
    state: 'cleared',
    at: ts,
    evidence: { values: [], window: { from: since, to }, threshold: rule.afterMs, silentForMs: to - since },
  };
}
