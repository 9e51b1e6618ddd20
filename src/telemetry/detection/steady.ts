/**
 * "Looks like the new normal": whether a raised alarm's condition has stopped changing. A learned
 * or anomaly rule that keeps firing on a level that no longer moves is most likely the asset's
 * new normal (a valve reset, a new load, a sensor swapped) rather than a fault still developing;
 * the alarm says so and an operator may accept it as the baseline (accept-as-normal).
 *
 * The rule's score is observed in consecutive blocks of `after` of reading time, from the raise
 * on. Each block keeps only running sums (count, Σx, Σs, Σs², Σxs, Σx² with x the time inside the
 * block in units of `after`), so the state stays a few numbers however long the alarm lasts and
 * however fast the device reports. When a block closes it is steady if
 * - its least-squares drift over the block is at most `drift` of its mean level (not trending), and
 * - its standard deviation is at most `variation` of that level (not intermittent).
 * The first steady block marks the alarm `newNormal` since the block's start; a later steady block
 * at another level (beyond `drift`) moves that time; an unsteady block takes the mark back. So
 * the mark comes between one and two blocks after the condition settled, and a fault still
 * worsening never gets it. There is no allowance for noise: a noisy score is never called steady
 * (a rule with `smooth` judges the smoothed score), which errs on the side of the fault.
 */

/** A rule's `newNormal` as compiled; null when the rule declares `newNormal: false`. */
export interface CompiledNewNormal {
  afterMs: number;
  drift: number;
  variation: number;
}

/** Running sums of a firing rule's score over the current block, and since when it is steady (null: not, or not yet). */
export interface SteadyState {
  /** Start of the current block (reading time). */
  from: number;
  n: number;
  sx: number;
  ss: number;
  sss: number;
  sxs: number;
  sxx: number;
  since: number | null;
  /** Mean score of the first steady block of the current level. */
  level: number | null;
}

/**
 * A rule whose alarm became, or stopped being, the new normal during an evaluation: `since` the
 * start of its steady stretch (reading time), or null. `at`: the newest reading evaluated.
 */
export interface NewNormalChange {
  ruleId: string;
  since: number | null;
  at: number;
}

/** Readings a block needs before it is judged (a sparse device extends the block instead). */
const MIN_BLOCK_SAMPLES = 5;

/** Since when the rule's firing condition has been steady, or null (any rule state). */
export function steadySince(state: { steady?: SteadyState | null } | undefined): number | null {
  return state?.steady?.since ?? null;
}

export function startSteady(ts: number): SteadyState {
  return { from: ts, n: 0, sx: 0, ss: 0, sss: 0, sxs: 0, sxx: 0, since: null, level: null };
}

/** Adds a judged score of a firing rule (in place, no allocation). */
export function stepSteady(config: CompiledNewNormal, state: SteadyState, ts: number, score: number): void {
  if (!Number.isFinite(score)) return;
  let x = (ts - state.from) / config.afterMs;
  if (x >= 1 && state.n >= MIN_BLOCK_SAMPLES) {
    closeBlock(config, state);
    state.from = ts;
    state.n = state.sx = state.ss = state.sss = state.sxs = state.sxx = 0;
    x = 0;
  }
  state.n++;
  state.sx += x;
  state.ss += score;
  state.sss += score * score;
  state.sxs += x * score;
  state.sxx += x * x;
}

function closeBlock(config: CompiledNewNormal, state: SteadyState): void {
  const n = state.n;
  const mean = state.ss / n;
  const level = Math.abs(mean);
  const sd = Math.sqrt(Math.max(state.sss / n - mean * mean, 0));
  const denominator = n * state.sxx - state.sx * state.sx;
  // Change of the score over one block (`after`), from the least-squares line.
  const drift = denominator > 0 ? Math.abs((n * state.sxs - state.sx * state.ss) / denominator) : Infinity;
  const steady = level > 0 && drift <= config.drift * level && sd <= config.variation * level;
  if (!steady) {
    state.since = null;
    state.level = null;
  } else if (state.since === null || state.level === null || Math.abs(mean - state.level) > config.drift * Math.abs(state.level)) {
    state.since = state.from;
    state.level = mean;
  }
}
