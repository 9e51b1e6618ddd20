/* global window */
/**
 * The ticket panel: loads a ticket's diagnosis, asset, telemetry, reservations, visits and
 * technician suggestions in parallel (each card shows its own loading, empty and error state),
 * and assigns with one click: POST /tickets/:id/dispatch (plans the visit), or — when the
 * dispatch module is not installed — POST /tickets/:id/assignment.
 */
import { api, ApiError, cached, optional, today } from './api.js';
import { lineChart } from './chart.js';
import { card, diagnosisCard, knowledgeCard, partsCard, slaCard, techniciansCard, visitsCard, workCard } from './sections.js';
import { empty, fmtDateTime, h, mount, priorityBadge, skeleton, slaBadge, statusBadge, titleCase, toast, toastError } from './ui.js';

const MIN = 60_000;

export function createPanel({ el, onTicket, onAssigned, technicianName, rememberTechnicians }) {
  let current = null; // { id, ticket, diag, asset, site, customer, model, reservations, visits, candidates, excluded, source, busyId, metric }
  let loadSeq = 0;

  async function open(id, ticketHint) {
    const seq = ++loadSeq;
    current = { id, ticket: ticketHint ?? null, candidates: null, busyId: null };
    render();
    try {
      const ticket = await api('GET', `/tickets/${id}`);
      if (seq !== loadSeq) return;
      current.ticket = ticket;
      onTicket(ticket);
      render();
      const [diag, asset, visits, reservations] = await Promise.all([
        api('GET', `/tickets/${id}/diagnosis`).catch((e) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e))),
        ticket.assetId ? cached(`/assets/${ticket.assetId}`) : null,
        api('GET', `/tickets/${id}/visits`).then((r) => r.items).catch(() => []),
        optional(`/tickets/${id}/reservations`, null).catch(() => null),
      ]);
      if (seq !== loadSeq) return;
      Object.assign(current, { diag, asset, visits, reservations: reservations?.items ?? reservations });
      render();
      const [site, customer, model] = await Promise.all([
        ticket.siteId ? cached(`/sites/${ticket.siteId}`).catch(() => null) : null,
        cached(`/customers/${ticket.customerId}`).catch(() => null),
        asset ? cached(`/models/${asset.modelId}`).catch(() => null) : null,
      ]);
      if (seq !== loadSeq) return;
      Object.assign(current, { site, customer, model });
      render();
      loadAvailability(seq);
      await loadTechnicians(seq);
      await loadTelemetry(seq);
    } catch (error) {
      if (seq !== loadSeq) return;
      current.error = error;
      render();
      toastError(error, 'Ticket');
    }
  }

  async function loadTechnicians(seq) {
    const { id, diag } = current;
    let suggestions = null;
    try {
      suggestions = await optional(`/tickets/${id}/technician-suggestions?date=${today()}`, null);
    } catch (error) {
      toastError(error, 'Suggestions');
    }
    if (seq !== loadSeq) return;
    if (suggestions) {
      Object.assign(current, { candidates: suggestions.candidates, excluded: suggestions.excluded, source: 'dispatch', requiredSkill: suggestions.requiredSkill });
    } else {
      const ranking = diag?.prefill.technicians;
      current.candidates = (ranking?.candidates ?? []).map((c) => ({ ...c, reasons: [c.reason], slot: null, travelMinutes: null, loadMinutes: null }));
      Object.assign(current, { excluded: [], source: 'ranking', requiredSkill: ranking?.requiredSkill ?? null });
    }
    rememberTechnicians(current.candidates);
    render();
  }

  async function loadAvailability(seq) {
    const skus = (current.diag?.prefill.parts ?? []).map((p) => p.sku);
    if (skus.length === 0) return;
    const near = current.site?.latitude != null ? `&latitude=${current.site.latitude}&longitude=${current.site.longitude}` : '';
    const result = await optional(`/stock/availability?skus=${encodeURIComponent(skus.join(','))}${near}`, null).catch(() => null);
    if (seq !== loadSeq) return;
    current.availability = result?.items ?? null;
    render();
  }

  async function reserveParts() {
    const { id, diag } = current;
    const items = (diag?.prefill.parts ?? []).map((p) => ({ sku: p.sku, quantity: p.quantity }));
    if (items.length === 0 || current.reserving) return;
    current.reserving = true;
    render();
    try {
      const result = await api('POST', `/tickets/${id}/reservations`, { items });
      const short = result.items.filter((r) => r.status !== 'reserved');
      if (short.length) toast('error', `${short.length} part${short.length === 1 ? '' : 's'} not fully reserved`, short.map((r) => `${r.sku}: ${r.status.replace('_', ' ')}`).join(', '));
      else toast('success', 'Parts reserved', `${result.items.length} line${result.items.length === 1 ? '' : 's'} held for ${current.ticket.number}`);
      if (current.id !== id) return;
      current.reservations = (await api('GET', `/tickets/${id}/reservations`)).items;
      await loadAvailability(loadSeq);
    } catch (error) {
      toastError(error, 'Reserve');
    } finally {
      if (current.id === id) {
        current.reserving = false;
        render();
      }
    }
  }

  async function loadTelemetry(seq) {
    const { diag, asset, model } = current;
    if (!diag || !asset || !model) return;
    const metrics = chartMetrics(diag, model);
    current.metrics = metrics;
    current.metric ??= metrics[0] ?? null;
    if (!current.metric) return render();
    const at = new Date(diag.prefill.finding.at).getTime();
    const to = Math.min(Date.now(), at + 90 * MIN);
    const from = Math.min(at - 90 * MIN, to - 10 * MIN);
    current.telemetry = 'loading';
    render();
    try {
      const data = await api('GET', `/assets/${asset.id}/telemetry?metric=${encodeURIComponent(current.metric)}&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
      if (seq !== loadSeq) return;
      current.telemetry = data;
    } catch (error) {
      if (seq !== loadSeq) return;
      current.telemetry = { error };
    }
    render();
  }

  async function assign(candidate) {
    if (!current?.ticket || current.busyId) return;
    const { id } = current;
    current.busyId = candidate.technicianId;
    render();
    try {
      let ticket;
      let visit = null;
      try {
        const result = await api('POST', `/tickets/${id}/dispatch`, { technicianId: candidate.technicianId });
        ({ ticket, visit } = result);
      } catch (error) {
        if (!(error instanceof ApiError && error.noRoute)) throw error;
        ticket = await api('POST', `/tickets/${id}/assignment`, { technicianId: candidate.technicianId });
      }
      if (current.id !== id) return;
      current.ticket = ticket;
      onTicket(ticket);
      toast('success', `${ticket.number} assigned to ${candidate.name}`, visit ? `Visit ${fmtDateTime(visit.plannedStart ?? visit.start)}` : 'No visit planned yet');
      current.visits = await api('GET', `/tickets/${id}/visits`).then((r) => r.items).catch(() => current.visits);
      onAssigned(ticket, visit);
    } catch (error) {
      toastError(error, 'Assign');
    } finally {
      if (current.id === id) {
        current.busyId = null;
        render();
      }
    }
  }

  function evidenceCard() {
    const { diag, telemetry, metrics, metric, model } = current;
    if (!diag) return null;
    const chips = (metrics ?? []).map((m) =>
      h(`button.chip.chip-btn${m === metric ? '.active' : ''}`, { type: 'button', onclick: () => ((current.metric = m), loadTelemetry(loadSeq)) }, titleCase(m)),
    );
    const ev = diag.evidence[0]?.evidence ?? {};
    const summary = [ev.eventCode ? `Controller event ${ev.eventCode}` : null, ev.metric ? `${ev.metric}` : null, ev.threshold != null ? `limit ${ev.threshold}` : null, ev.z != null ? `z ${Number(ev.z).toFixed(1)}` : null]
      .filter(Boolean)
      .join(' · ');
    let body;
    if (!metric) body = empty('No metric to chart', 'This fault is detected from controller events only.', '∿');
    else if (!telemetry || telemetry === 'loading') body = skeleton(5);
    else if (telemetry.error) body = empty('Telemetry unavailable', telemetry.error.problem?.detail ?? telemetry.error.message, '!');
    else {
      const series = telemetry.series.find((s) => s.metric === metric);
      body = series?.points.length
        ? lineChart({ points: series.points, unit: series.unit, every: telemetry.every, caption: `${model.metrics[metric]?.description ?? metric} (${series.unit})`, limit: limitFor(metric, diag, model), alarmAt: diag.prefill.finding.at, from: telemetry.from, to: telemetry.to, width: Math.max(360, (el.querySelector('.col-main')?.clientWidth ?? 640) - 34) })
        : empty('No readings in this window', `Nothing stored for ${metric} around ${fmtDateTime(diag.prefill.finding.at)}.`, '∿');
    }
    return card('Evidence', summary ? h('span.muted.small', summary) : null, chips.length > 1 ? h('div.chips', chips) : null, body);
  }

  function render() {
    if (!current) {
      return mount(el, h('div.panel-empty', empty('Select a ticket', 'Pick a ticket in the feed, or press J / K to move through it. New auto-tickets arrive live.', '⌘')));
    }
    const { ticket, diag, asset, site, customer, model } = current;
    if (!ticket) return mount(el, h('div.panel-pad', skeleton(2), skeleton(6), skeleton(4)));
    const best = current.candidates?.find((c) => c.technicianId !== ticket.technicianId);
    const head = h(
      'header.panel-head',
      h('div.ph-row', h('span.ph-number', ticket.number), ticket.channel === 'iot' ? h('span.chip.chip-iot', '⚡ IoT auto-ticket') : h('span.chip', titleCase(ticket.channel)), priorityBadge(ticket.priority), statusBadge(ticket.status), slaBadge(ticket)),
      h('h2.ph-title', ticket.title),
      h(
        'div.ph-meta',
        customer ? h('span', h('span.muted', 'Customer '), customer.name) : null,
        site ? h('span', h('span.muted', 'Site '), site.name, site.city ? `, ${site.city}` : '') : null,
        asset ? h('span', h('span.muted', 'Asset '), h('span.mono', asset.serialNumber), model ? ` · ${model.name}` : '') : null,
        h('span', h('span.muted', 'Opened '), fmtDateTime(ticket.createdAt)),
        ticket.technicianId ? h('span.ph-assignee', h('span.muted', 'Assigned '), technicianName(ticket.technicianId) ?? 'technician') : null,
      ),
      h(
        'div.ph-actions',
        best && !ticket.technicianId
          ? h('button.btn.btn-primary', { type: 'button', disabled: current.busyId ? true : undefined, onclick: () => assign(best) }, `Assign ${best.name}`, h('kbd', 'A'))
          : null,
        h('button.btn.btn-ghost', { type: 'button', title: 'Close (Esc)', onclick: close }, 'Close', h('kbd', 'Esc')),
      ),
    );
    if (current.error) return mount(el, head, h('div.panel-pad', empty('Could not load this ticket', current.error.problem?.detail ?? current.error.message, '!')));
    const loaded = 'diag' in current;
    return mount(
      el,
      head,
      h(
        'div.panel-grid',
        h('div.col-main', loaded ? [diagnosisCard(diag), evidenceCard(), partsCard({ diag, reservations: current.reservations, availability: current.availability, candidates: current.candidates, onReserve: reserveParts, reserving: current.reserving }), workCard(diag), knowledgeCard(diag)] : [skeleton(6), skeleton(4)]),
        h(
          'div.col-side',
          techniciansCard({ candidates: current.candidates, excluded: current.excluded, source: current.source, requiredSkill: current.requiredSkill ?? diag?.prefill.requiredSkill, assignedId: ticket.technicianId, busyId: current.busyId, onAssign: assign }),
          slaCard(ticket, diag),
          visitsCard(current.visits, technicianName),
        ),
      ),
    );
  }

  function close() {
    loadSeq++;
    current = null;
    render();
    window.dispatchEvent(new window.CustomEvent('console:closed'));
  }

  render();
  return {
    open,
    close,
    get currentId() {
      return current?.id ?? null;
    },
    /** A stream update of the open ticket. */
    update(ticket) {
      if (current?.id === ticket.id && (!current.ticket || current.ticket.version <= ticket.version)) {
        current.ticket = ticket;
        render();
      }
    },
    assignBest() {
      const best = current?.candidates?.find((c) => c.technicianId !== current.ticket?.technicianId);
      if (best && !current.ticket?.technicianId) assign(best);
    },
    rerender: () => render(),
  };
}

/** Metrics worth charting for the fault: the evidence's metric, then those of the fault's rules. */
export function chartMetrics(diag, model) {
  const out = [];
  const push = (m) => m && model.metrics[m] && !out.includes(m) && out.push(m);
  for (const e of diag.evidence) push(e.evidence?.metric);
  for (const r of model.detection?.rules ?? []) if (r.fault === diag.prefill.fault.code) push(r.metric);
  if (out.length === 0) for (const [name, m] of Object.entries(model.metrics)) if (m.normal) push(name);
  return out.slice(0, 4);
}

/** The model's limit for a metric: the evidence threshold, else the fault's rule, else the normal band. */
export function limitFor(metric, diag, model) {
  const ev = diag.evidence.find((e) => e.evidence?.metric === metric)?.evidence;
  const rules = (model.detection?.rules ?? []).filter((r) => r.metric === metric && (r.above != null || r.below != null));
  const rule = rules.find((r) => r.fault === diag.prefill.fault.code) ?? rules[0];
  if (ev?.threshold != null && rule && ['threshold', 'trend'].includes(rule.kind)) return { value: ev.threshold, direction: rule.below != null ? 'below' : 'above', label: 'Limit', source: `Limit (rule ${rule.id})` };
  if (rule && ['threshold', 'trend'].includes(rule.kind)) return { value: rule.above ?? rule.below, direction: rule.above != null ? 'above' : 'below', label: 'Limit', source: `Limit (rule ${rule.id})` };
  const normal = model.metrics[metric]?.normal;
  if (normal?.max != null) return { value: normal.max, direction: 'above', label: 'Normal max', source: 'Normal band (model)' };
  return null;
}
