/**
 * Starts the suites that mostly wait (an InfluxDB outage of a minute, process kills and
 * restarts, a browser) first, so they overlap with the rest instead of ending the run alone.
 * Vitest orders by the durations it cached in earlier runs; a fresh clone (CI) has none, and
 * then orders by file size, which would start some of these last.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SLOW = [
  'test/e2e/influx-outage.test.ts',
  'test/e2e/crash-recovery.test.ts',
  'test/e2e/scale-out.test.ts',
  'test/console/console.e2e.test.ts',
  'test/console/console-views.e2e.test.ts',
  'test/portal/portal.e2e.test.ts',
  'test/desk/desk.e2e.test.ts',
  'test/console/console-schedule.e2e.test.ts',
  'test/reports/reports-availability.test.ts',
  'test/grafana/dashboards.test.ts',
  'test/ingest/influx-writer.outage.test.ts',
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOW.findIndex((s) => f.moduleId.endsWith(s));
      return i < 0 ? SLOW.length : i;
    };
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}
