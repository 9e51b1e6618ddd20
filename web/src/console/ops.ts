/**
 * Alarms and devices: the active alarms, newest first, each with Acknowledge
 * (POST /alarms/:id/acknowledge), and the devices offline now with the time they were last seen
 * (GET /devices?online=false&status=active).
 */
import { h, mount } from '../shared/dom';
import { empty, errorText, fmtDateTime, relative, skeleton, titleCase, toast, toastError } from '../shared/ui';
import { cached, client, ok, type Asset } from './api';

type Alarm = Awaited<ReturnType<typeof loadAlarms>>[number];
type Device = Awaited<ReturnType<typeof loadDevices>>[number];

const loadAlarms = async () => (await ok(client.GET('/api/v1/alarms', { params: { query: { state: 'active', limit: 100, sort: '-firstSeenAt' } } }))).items;
const loadDevices = async () => (await ok(client.GET('/api/v1/devices', { params: { query: { online: 'false', status: 'active', limit: 100 } } }))).items;

export type Ops = ReturnType<typeof createOps>;

export function createOps(options: { el: HTMLElement; onOpenTicket(id: string): void }) {
  const { el, onOpenTicket } = options;
  let alarms: Alarm[] | { error: unknown } | null = null;
  let devices: Device[] | { error: unknown } | null = null;
  const assets = new Map<string, Asset | null>();
  const busy = new Set<string>();

  async function assetsOf(ids: string[]): Promise<void> {
    await Promise.all(
      [...new Set(ids)]
        .filter((id) => !assets.has(id))
        .map(async (id) =>
          assets.set(id, await cached(`asset:${id}`, () => ok(client.GET('/api/v1/assets/{id}', { params: { path: { id } } }))).catch(() => null)),
        ),
    );
  }

  async function load(): Promise<void> {
    const [a, d] = await Promise.all([loadAlarms().catch((error: unknown) => ({ error })), loadDevices().catch((error: unknown) => ({ error }))]);
    await assetsOf([...(Array.isArray(a) ? a.map((x) => x.assetId) : []), ...(Array.isArray(d) ? d.map((x) => x.assetId) : [])]);
    alarms = a;
    devices = d;
    render();
  }

  async function acknowledge(alarm: Alarm): Promise<void> {
    busy.add(alarm.id);
    render();
    try {
      await ok(client.POST('/api/v1/alarms/{id}/acknowledge', { params: { path: { id: alarm.id } } }));
      toast('success', 'Alarm acknowledged', `${alarm.faultCode ?? alarm.ruleId} on ${assetName(alarm.assetId)}`);
      await load();
    } catch (error) {
      toastError(error, 'Acknowledge');
    } finally {
      busy.delete(alarm.id);
      render();
    }
  }

  /** The alarm's condition is the asset's new normal: accept it as the baseline (learned and anomaly rules). */
  async function acceptAsNormal(alarm: Alarm): Promise<void> {
    busy.add(alarm.id);
    render();
    try {
      await ok(client.POST('/api/v1/alarms/{id}/accept-as-normal', { params: { path: { id: alarm.id } } }));
      toast('success', 'Accepted as the new normal', `${alarm.faultCode ?? alarm.ruleId} on ${assetName(alarm.assetId)}: the baseline is relearnt from now`);
      await load();
    } catch (error) {
      toastError(error, 'Accept as normal');
    } finally {
      busy.delete(alarm.id);
      render();
    }
  }

  const assetName = (id: string): string => {
    const a = assets.get(id);
    return a ? (a.name ?? a.serialNumber) : 'asset';
  };

  function alarmsSection(): HTMLElement {
    const body =
      alarms === null
        ? skeleton(3)
        : 'error' in alarms
          ? empty('Alarms unavailable', errorText(alarms.error), '!')
          : alarms.length === 0
            ? empty('No active alarms', 'Every alarm is acknowledged or cleared.', '✓')
            : h(
                'table.table.ops-table',
                h(
                  'thead',
                  h('tr', h('th', 'Severity'), h('th', 'Fault'), h('th', 'Asset'), h('th', 'Since'), h('th', 'Ticket'), h('th', h('span.sr-only', 'Action'))),
                ),
                h(
                  'tbody',
                  alarms.map((a) =>
                    h(
                      'tr.alarm-row',
                      { dataset: { alarmId: a.id } },
                      h('td', h(`span.pill.sev-${a.severity ?? 'info'}`, titleCase(a.severity ?? 'info'))),
                      h(
                        'td',
                        h('span.mono', a.faultCode ?? a.ruleId),
                        h('div.muted.small', `${titleCase(a.kind)} · ${a.occurrences}×`),
                        a.newNormal
                          ? h(
                              'div.new-normal',
                              { title: a.newNormalSince ? `Steady since ${fmtDateTime(a.newNormalSince)}` : undefined },
                              'Looks like the new normal',
                            )
                          : null,
                      ),
                      h('td', assetName(a.assetId)),
                      h('td', { title: fmtDateTime(a.firstSeenAt) }, relative(a.firstSeenAt)),
                      h(
                        'td',
                        a.ticketId ? h('button.link', { type: 'button', onclick: () => onOpenTicket(a.ticketId!) }, 'Open ticket') : h('span.muted', '—'),
                      ),
                      h(
                        'td',
                        h(
                          'button.btn.btn-sm.ack',
                          {
                            type: 'button',
                            disabled: busy.has(a.id),
                            'aria-label': `Acknowledge ${a.faultCode ?? a.ruleId} on ${assetName(a.assetId)}`,
                            onclick: () => void acknowledge(a),
                          },
                          busy.has(a.id) ? 'Acknowledging…' : 'Acknowledge',
                        ),
                        a.newNormal
                          ? h(
                              'button.btn.btn-sm.accept-normal',
                              {
                                type: 'button',
                                disabled: busy.has(a.id),
                                'aria-label': `Accept as normal ${a.faultCode ?? a.ruleId} on ${assetName(a.assetId)}`,
                                onclick: () => void acceptAsNormal(a),
                              },
                              'Accept as normal',
                            )
                          : null,
                      ),
                    ),
                  ),
                ),
              );
    return h(
      'section.card.ops-card',
      h('header.card-head', h('h3', 'Active alarms'), Array.isArray(alarms) ? h('span.muted.small', alarms.length) : null),
      h('div.card-body', body),
    );
  }

  function devicesSection(): HTMLElement {
    const body =
      devices === null
        ? skeleton(3)
        : 'error' in devices
          ? empty('Devices unavailable', errorText(devices.error), '!')
          : devices.length === 0
            ? empty('Every device is online', 'Devices that stop reporting appear here.', '✓')
            : h(
                'table.table.ops-table',
                h('thead', h('tr', h('th', 'Device'), h('th', 'Asset'), h('th', 'Offline since'))),
                h(
                  'tbody',
                  devices.map((d) =>
                    h(
                      'tr.device-row',
                      { dataset: { deviceId: d.deviceId } },
                      h('td.mono', d.deviceId),
                      h('td', assetName(d.assetId)),
                      h(
                        'td',
                        d.lastSeenAt
                          ? h('span', { title: fmtDateTime(d.lastSeenAt) }, `${fmtDateTime(d.lastSeenAt)} (${relative(d.lastSeenAt)})`)
                          : h('span.muted', 'never connected'),
                      ),
                    ),
                  ),
                ),
              );
    return h(
      'section.card.ops-card',
      h('header.card-head', h('h3', 'Devices offline'), Array.isArray(devices) ? h('span.muted.small', devices.length) : null),
      h('div.card-body', body),
    );
  }

  function render(): void {
    mount(el, h('div.ops', alarmsSection(), devicesSection()));
  }

  render();
  return { load };
}
