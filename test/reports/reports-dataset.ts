/**
 * The crafted June 2025 dataset of the report tests. "Now" is 2025-07-01T00:00Z; the period is
 * from=2025-06-01&to=2025-06-30 (the whole of June). Expected figures are worked out by hand in
 * reports.test.ts next to each assertion.
 *
 * Customers: Alpha (A1, A2 chiller-x), Beta (A3 chiller-x, P1 pump-y), Gamma (no asset).
 * Assets: A1 installed 2025-01-01 (720 h in June), A2 installed 2025-06-11 (480 h),
 *   A3 no install date, created 2025-01-01 (720 h), A4 installed 2025-08-01 (not in service),
 *   P1 installed 2025-05-01 (720 h).
 */
import type { Database } from '../../src/kernel/db/database.js';
import {
  insertAlarm,
  insertAsset,
  insertContract,
  insertCustomer,
  insertHistory,
  insertLabour,
  insertPart,
  insertSite,
  insertTicket,
  insertVisit,
} from './reports-fixture.js';

export const NOW = '2025-07-01T00:00:00.000Z';
export const JUNE = 'from=2025-06-01&to=2025-06-30';

export async function seedDataset(db: Database, technicians: { u1: string; u2: string }) {
  const alpha = await insertCustomer(db, 'Alpha, "Inc"');
  const beta = await insertCustomer(db, 'Beta');
  const gamma = await insertCustomer(db, 'Gamma');
  const siteA = await insertSite(db, alpha);
  const siteB = await insertSite(db, beta);
  const a1 = await insertAsset(db, siteA, 'chiller-x', '2025-01-01');
  const a2 = await insertAsset(db, siteA, 'chiller-x', '2025-06-11');
  const a3 = await insertAsset(db, siteB, 'chiller-x', null, '2025-01-01T00:00:00Z');
  await insertAsset(db, siteB, 'chiller-x', '2025-08-01');
  const p1 = await insertAsset(db, siteB, 'pump-y', '2025-05-01');

  // Contracts: K1 Alpha 12000 for 2025 (365 days), K2 Beta 3650 open-ended from 06-16, K3 Gamma draft.
  const k1 = await insertContract(db, { customerId: alpha, status: 'active', startsOn: '2025-01-01', endsOn: '2025-12-31', value: 12000 });
  const k2 = await insertContract(db, { customerId: beta, status: 'active', startsOn: '2025-06-16', endsOn: null, value: 3650 });
  await insertContract(db, { customerId: gamma, status: 'draft', startsOn: '2025-01-01', endsOn: null, value: 1000 });

  const { u1, u2 } = technicians;
  const t1 = await insertTicket(db, {
    customerId: alpha,
    assetId: a1,
    contractId: k1,
    priority: 'high',
    status: 'closed',
    createdAt: '2025-06-02T08:00:00Z',
    respondedAt: '2025-06-02T10:00:00Z',
    resolvedAt: '2025-06-02T12:00:00Z',
    responseDueAt: '2025-06-02T16:00:00Z',
    resolutionDueAt: '2025-06-04T08:00:00Z',
  });
  const t2 = await insertTicket(db, {
    customerId: alpha,
    assetId: a1,
    contractId: k1,
    priority: 'critical',
    status: 'resolved',
    createdAt: '2025-06-05T00:00:00Z',
    respondedAt: '2025-06-05T06:00:00Z',
    resolvedAt: '2025-06-06T00:00:00Z',
    responseDueAt: '2025-06-05T04:00:00Z',
    resolutionDueAt: '2025-06-06T00:00:00Z',
  });
  const t3 = await insertTicket(db, {
    customerId: alpha,
    assetId: a2,
    type: 'predictive',
    priority: 'medium',
    status: 'resolved',
    createdAt: '2025-06-15T00:00:00Z',
    respondedAt: '2025-06-15T01:00:00Z',
    resolvedAt: '2025-06-15T10:00:00Z',
    responseDueAt: '2025-06-16T00:00:00Z',
    resolutionDueAt: '2025-06-18T00:00:00Z',
  });
  const t4 = await insertTicket(db, {
    customerId: beta,
    assetId: a3,
    contractId: k2,
    priority: 'high',
    status: 'closed',
    createdAt: '2025-06-20T00:00:00Z',
    respondedAt: '2025-06-20T12:00:00Z',
    resolvedAt: '2025-06-22T00:00:00Z',
    responseDueAt: '2025-06-20T08:00:00Z',
    resolutionDueAt: '2025-06-21T00:00:00Z',
  });
  const t5 = await insertTicket(db, {
    customerId: beta,
    assetId: p1,
    priority: 'low',
    status: 'resolved',
    createdAt: '2025-06-10T00:00:00Z',
    respondedAt: '2025-06-10T01:00:00Z',
    resolvedAt: '2025-06-10T02:00:00Z',
    responseDueAt: '2025-06-12T00:00:00Z',
    resolutionDueAt: '2025-06-17T00:00:00Z',
  });
  const t6 = await insertTicket(db, {
    customerId: alpha,
    assetId: a1,
    type: 'maintenance',
    priority: 'medium',
    status: 'resolved',
    createdAt: '2025-06-08T00:00:00Z',
    respondedAt: '2025-06-08T01:00:00Z',
    resolvedAt: '2025-06-08T01:00:00Z',
    responseDueAt: '2025-06-09T00:00:00Z',
    resolutionDueAt: '2025-06-11T00:00:00Z',
  });
  const t7 = await insertTicket(db, {
    customerId: alpha,
    assetId: a1,
    priority: 'high',
    status: 'cancelled',
    createdAt: '2025-06-25T00:00:00Z',
    responseDueAt: '2025-06-25T08:00:00Z',
    resolutionDueAt: '2025-06-27T00:00:00Z',
  });
  const t8 = await insertTicket(db, {
    customerId: beta,
    assetId: a3,
    priority: 'high',
    status: 'in_progress',
    createdAt: '2025-06-28T00:00:00Z',
    respondedAt: '2025-06-28T02:00:00Z',
    responseDueAt: '2025-06-28T08:00:00Z',
    resolutionDueAt: '2025-06-30T00:00:00Z',
  });
  await insertTicket(db, {
    customerId: alpha,
    assetId: a2,
    priority: 'medium',
    status: 'new',
    createdAt: '2025-06-30T12:00:00Z',
    responseDueAt: '2025-07-01T12:00:00Z',
    resolutionDueAt: '2025-07-03T00:00:00Z',
  });
  await insertTicket(db, {
    customerId: alpha,
    assetId: a1,
    priority: 'high',
    status: 'closed',
    createdAt: '2025-05-20T00:00:00Z',
    respondedAt: '2025-05-20T01:00:00Z',
    resolvedAt: '2025-05-21T00:00:00Z',
    responseDueAt: '2025-05-20T08:00:00Z',
    resolutionDueAt: '2025-05-22T00:00:00Z',
  });
  await insertTicket(db, {
    customerId: gamma,
    type: 'question',
    priority: 'high',
    status: 'new',
    createdAt: '2025-05-15T00:00:00Z',
    responseDueAt: '2025-05-15T08:00:00Z',
    resolutionDueAt: '2025-05-17T00:00:00Z',
  });
  await insertTicket(db, {
    customerId: gamma,
    type: 'question',
    priority: 'high',
    status: 'new',
    createdAt: '2025-06-29T00:00:00Z',
    responseDueAt: '2025-06-29T04:00:00Z',
    resolutionDueAt: '2025-07-02T00:00:00Z',
  });
  await insertTicket(db, {
    customerId: gamma,
    type: 'question',
    priority: 'low',
    status: 'on_hold',
    createdAt: '2025-06-20T00:00:00Z',
    respondedAt: '2025-06-20T10:00:00Z',
    slaPausedAt: '2025-06-21T00:00:00Z',
    responseDueAt: '2025-06-22T00:00:00Z',
    resolutionDueAt: '2025-06-27T00:00:00Z',
  });

  // Visits: u1 on T1, T2 (two), T6; u2 on T3 (+ a cancelled one), T4, T5, T8 (crosses the period end).
  const v1 = await insertVisit(db, {
    ticketId: t1,
    technicianId: u1,
    plannedStart: '2025-06-02T09:00:00Z',
    plannedEnd: '2025-06-02T11:00:00Z',
    actualStart: '2025-06-02T09:30:00Z',
    actualEnd: '2025-06-02T11:30:00Z',
    outcome: 'fixed',
  });
  const v2a = await insertVisit(db, {
    ticketId: t2,
    technicianId: u1,
    plannedStart: '2025-06-05T01:00:00Z',
    plannedEnd: '2025-06-05T03:00:00Z',
    actualStart: '2025-06-05T01:00:00Z',
    actualEnd: '2025-06-05T02:00:00Z',
    outcome: 'another_visit_needed',
  });
  const v2b = await insertVisit(db, {
    ticketId: t2,
    technicianId: u1,
    plannedStart: '2025-06-05T20:00:00Z',
    plannedEnd: '2025-06-05T22:00:00Z',
    actualStart: '2025-06-05T20:00:00Z',
    actualEnd: '2025-06-05T23:00:00Z',
    outcome: 'fixed',
  });
  const v3 = await insertVisit(db, {
    ticketId: t3,
    technicianId: u2,
    plannedStart: '2025-06-15T02:00:00Z',
    plannedEnd: '2025-06-15T04:00:00Z',
    actualStart: '2025-06-15T02:00:00Z',
    actualEnd: '2025-06-15T03:30:00Z',
    outcome: 'fixed',
  });
  await insertVisit(db, { ticketId: t3, technicianId: u2, status: 'cancelled', plannedStart: '2025-06-14T10:00:00Z', plannedEnd: '2025-06-14T12:00:00Z' });
  const v4 = await insertVisit(db, {
    ticketId: t4,
    technicianId: u2,
    plannedStart: '2025-06-21T08:00:00Z',
    plannedEnd: '2025-06-21T10:00:00Z',
    actualStart: '2025-06-21T08:00:00Z',
    actualEnd: '2025-06-21T10:00:00Z',
    outcome: 'not_fixed',
  });
  const v5 = await insertVisit(db, {
    ticketId: t5,
    technicianId: u2,
    plannedStart: '2025-06-10T00:15:00Z',
    plannedEnd: '2025-06-10T01:15:00Z',
    actualStart: '2025-06-10T00:15:00Z',
    actualEnd: '2025-06-10T00:45:00Z',
    outcome: 'fixed',
  });
  const v6 = await insertVisit(db, {
    ticketId: t6,
    technicianId: u1,
    plannedStart: '2025-06-08T00:00:00Z',
    plannedEnd: '2025-06-08T01:00:00Z',
    actualStart: '2025-06-08T00:10:00Z',
    actualEnd: '2025-06-08T00:50:00Z',
    outcome: 'fixed',
  });
  const v8 = await insertVisit(db, {
    ticketId: t8,
    technicianId: u2,
    status: 'in_progress',
    plannedStart: '2025-06-30T23:00:00Z',
    plannedEnd: '2025-07-01T01:00:00Z',
    actualStart: '2025-06-30T23:30:00Z',
  });

  await insertLabour(db, v1, 90, '2025-06-02T11:30:00Z');
  await insertLabour(db, v2a, 60, '2025-06-05T02:00:00Z');
  await insertLabour(db, v2b, 150, '2025-06-05T23:00:00Z');
  await insertLabour(db, v6, 30, '2025-06-08T00:50:00Z');
  await insertLabour(db, v3, 90, '2025-06-15T03:30:00Z');
  await insertLabour(db, v4, 100, '2025-06-21T10:00:00Z');
  await insertLabour(db, v8, 45, '2025-07-01T00:30:00Z'); // after the period

  await insertPart(db, v1, 'SKU-A', 2, '2025-06-02T11:00:00Z');
  await insertPart(db, v2b, 'SKU-A', 1, '2025-06-05T22:00:00Z');
  await insertPart(db, v2b, 'SKU-B', 3, '2025-06-05T22:00:00Z');
  await insertPart(db, v5, 'SKU-A', 4, '2025-06-10T00:40:00Z');
  await insertPart(db, v6, 'SKU-C', 1, '2025-05-31T23:00:00Z'); // before the period

  // Status history used by the alarm analytics (dispatch time, no-fault-found reason).
  await insertHistory(db, t1, 'en_route', '2025-06-02T09:00:00Z');
  await insertHistory(db, t5, 'en_route', '2025-06-10T00:10:00Z');
  await insertHistory(db, t4, 'in_progress', '2025-06-21T08:00:00Z');
  await insertHistory(db, t4, 'resolved', '2025-06-22T00:00:00Z');
  await insertHistory(db, t3, 'resolved', '2025-06-15T10:00:00Z', 'no_fault_found: sensor glitch');

  // Alarms: R1 on chiller-x, R2 on pump-y (fault F1).
  const r1 = { modelId: 'chiller-x', ruleId: 'R1', faultCode: 'F1' };
  const r2 = { modelId: 'pump-y', ruleId: 'R2', faultCode: 'F1' };
  await insertAlarm(db, { ...r1, assetId: a1, firstSeenAt: '2025-06-02T06:00:00Z', clearedAt: '2025-06-02T11:00:00Z', ticketId: t1 });
  await insertAlarm(db, { ...r1, assetId: a1, firstSeenAt: '2025-06-25T00:00:00Z', clearedAt: '2025-06-25T02:00:00Z', ticketId: t7 });
  await insertAlarm(db, { ...r1, assetId: a3, firstSeenAt: '2025-06-19T12:00:00Z', clearedAt: '2025-06-20T00:00:00Z', ticketId: t4 });
  await insertAlarm(db, { ...r1, assetId: a2, firstSeenAt: '2025-06-14T00:00:00Z', ticketId: t3 });
  await insertAlarm(db, { ...r1, assetId: a2, firstSeenAt: '2025-06-20T00:00:00Z', clearedAt: '2025-06-20T01:00:00Z' });
  await insertAlarm(db, { ...r1, assetId: a1, firstSeenAt: '2025-06-05T00:00:00Z', ticketId: t2 });
  await insertAlarm(db, { ...r1, assetId: a1, firstSeenAt: '2025-05-30T00:00:00Z', clearedAt: '2025-05-30T01:00:00Z' });
  await insertAlarm(db, { ...r2, assetId: p1, firstSeenAt: '2025-06-09T22:00:00Z', ticketId: t5 });
  // A second, still-open alarm of R2 may not exist on the same asset (one open alarm per asset and rule).
  await insertAlarm(db, { ...r2, assetId: p1, firstSeenAt: '2025-06-09T23:00:00Z', clearedAt: '2025-06-10T03:00:00Z', ticketId: t5 });

  return { alpha, beta, gamma, k1, k2, a1, a2, a3, p1, t1, t2, t3, t4, t5, t8, v1, v2b, v5 };
}
