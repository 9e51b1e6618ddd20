/**
 * The map (Leaflet, bundled): the sites of open tickets and each technician's last known
 * position with its age. Tiles come from CONSOLE_MAP_TILES (OpenStreetMap by default); the
 * markers are HTML (divIcon), so without tiles — no network — the map still shows every marker
 * on a plain background and says the tiles are missing.
 */
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { h, mount } from '../shared/dom';
import { errorText, relative, titleCase } from '../shared/ui';
import { cached, client, ok, type Site, type Ticket } from './api';
import { priorityRank } from './badges';
import { currentSettings, loadSettings } from './settings';

interface Position {
  technicianId: string;
  name: string;
  lat: number;
  lon: number;
  at: string | null;
  home: boolean;
}

export type MapView = ReturnType<typeof createMap>;

export function createMap(options: { el: HTMLElement; noteEl: HTMLElement; onOpenTicket(id: string): void }) {
  const { el, noteEl, onOpenTicket } = options;
  let map: L.Map | null = null;
  let layer: L.LayerGroup | null = null;
  let tilesFailed = false;
  let seq = 0;

  async function init(): Promise<L.Map> {
    if (map) return map;
    const settings = await loadSettings();
    map = L.map(el, { center: [51.2, 10.4], zoom: 6, zoomControl: true, attributionControl: true, keyboard: true });
    const tiles = L.tileLayer(settings.mapTiles, { attribution: settings.mapAttribution || currentSettings().mapAttribution, maxZoom: 18 });
    tiles.on('tileerror', () => {
      if (tilesFailed) return;
      tilesFailed = true;
      el.classList.add('no-tiles');
      note();
    });
    tiles.addTo(map);
    layer = L.layerGroup().addTo(map);
    return map;
  }

  let counts = { sites: 0, technicians: 0 };
  function note(error?: unknown): void {
    mount(
      noteEl,
      error ? h('span.pill.pill-bad', `Could not load: ${errorText(error)}`) : null,
      h(
        'span',
        h('b', counts.sites),
        ' sites with open tickets (the 200 nearest a breach) · ',
        h('b', counts.technicians),
        ' technicians (last position, else home base)',
      ),
      tilesFailed ? h('span.pill.pill-warn.tiles-missing', 'Map tiles unavailable — markers only') : null,
    );
  }

  const icon = (kind: string, text: string): L.DivIcon =>
    L.divIcon({
      className: `map-marker ${kind}`,
      html: `<span>${text.replace(/[<>&"]/g, '')}</span>`,
      iconSize: undefined,
      iconAnchor: [14, 14],
      popupAnchor: [0, -14],
    });

  async function technicianPositions(): Promise<Position[]> {
    const list = (await ok(client.GET('/api/v1/technicians'))).items.filter((t) => t.active);
    return (
      await Promise.all(
        list.map(async (t): Promise<Position | null> => {
          const last = (
            await ok(client.GET('/api/v1/technicians/{id}/locations', { params: { path: { id: t.technicianId }, query: { limit: 1 } } })).catch(() => ({
              items: [],
            }))
          ).items[0];
          if (last) return { technicianId: t.technicianId, name: t.name, lat: last.lat, lon: last.lon, at: last.at, home: false };
          return t.homeBase ? { technicianId: t.technicianId, name: t.name, lat: t.homeBase.lat, lon: t.homeBase.lon, at: null, home: true } : null;
        }),
      )
    ).filter((p): p is Position => p !== null);
  }

  async function load(): Promise<void> {
    const mine = ++seq;
    const m = await init();
    try {
      const open = (await ok(client.GET('/api/v1/tickets', { params: { query: { open: 'true', limit: 200, sort: 'slaDue' } } }))).items;
      const bySite = new Map<string, Ticket[]>();
      for (const t of open) if (t.siteId) bySite.set(t.siteId, [...(bySite.get(t.siteId) ?? []), t]);
      const [sites, techs] = await Promise.all([
        Promise.all(
          [...bySite.keys()].map((id) => cached(`site:${id}`, () => ok(client.GET('/api/v1/sites/{id}', { params: { path: { id } } }))).catch(() => null)),
        ),
        technicianPositions().catch(() => []),
      ]);
      if (mine !== seq) return;
      layer!.clearLayers();
      const points: L.LatLngExpression[] = [];
      const located = sites.filter((s): s is Site => s !== null && s.latitude != null && s.longitude != null);
      for (const site of located) {
        const tickets = bySite.get(site.id)!.sort((a, b) => priorityRank(b.priority) - priorityRank(a.priority));
        const top = tickets[0]!;
        const label = `${site.name}: ${tickets.length} open ticket${tickets.length === 1 ? '' : 's'}, ${tickets.map((t) => t.number).join(', ')}`;
        const marker = L.marker([site.latitude!, site.longitude!], {
          icon: icon(`site prio-${top.priority}`, String(tickets.length)),
          title: label,
          alt: label,
          keyboard: true,
        });
        const popup = h(
          'div.map-popup',
          h('b', site.name),
          h(
            'ul',
            tickets.map((t) =>
              h('li', h('button.link', { type: 'button', onclick: () => onOpenTicket(t.id) }, t.number), ` ${t.title} · ${titleCase(t.priority)}`),
            ),
          ),
        );
        marker.bindPopup(popup);
        marker.addTo(layer!);
        marker.getElement()?.setAttribute('aria-label', label);
        marker.getElement()?.setAttribute('data-site-id', site.id);
        points.push([site.latitude!, site.longitude!]);
      }
      for (const p of techs) {
        const age = p.home ? 'no position yet, home base' : `seen ${relative(p.at)}`;
        const initials = p.name
          .split(/\s+/)
          .map((w) => w[0] ?? '')
          .join('')
          .slice(0, 2)
          .toUpperCase();
        // The visible initials are part of the name (WCAG 2.5.3, label in name).
        const label = `${initials} ${p.name}, ${age}`;
        const marker = L.marker([p.lat, p.lon], {
          icon: icon(`tech${p.home ? ' home' : ''}`, initials),
          title: label,
          alt: label,
          keyboard: true,
          zIndexOffset: 1000,
        });
        marker.bindPopup(h('div.map-popup', h('b', p.name), h('div', age)));
        marker.bindTooltip(p.home ? 'home' : relative(p.at), { permanent: true, direction: 'right', offset: [12, 0], className: 'age-tip' });
        marker.addTo(layer!);
        marker.getElement()?.setAttribute('aria-label', label);
        marker.getElement()?.setAttribute('data-technician-id', p.technicianId);
        points.push([p.lat, p.lon]);
      }
      counts = { sites: located.length, technicians: techs.length };
      if (points.length) m.fitBounds(L.latLngBounds(points), { padding: [40, 40], maxZoom: 11 });
      note();
    } catch (error) {
      note(error);
    }
  }

  return {
    load,
    /** After the map's box became visible or changed size. */
    resize() {
      map?.invalidateSize();
    },
  };
}
