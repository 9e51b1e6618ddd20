/**
 * SUPERSEDED: auto-tickets now store the dispatch ranking (src/service/dispatch/technician-ranking.ts).
 * Nothing in src/ uses this file; it stays only while test/autotickets/policies.test.ts still
 * tests it (remove both together).
 *
 * Suggested technician for an auto-ticket: active users with role technician who have the
 * required skill (the others are excluded, and counted), ranked by a score in "kilometre
 * equivalents" (lower is better):
 *
 *   score = distanceKm (UNKNOWN_DISTANCE_KM when unknown)
 *         + OUT_OF_TERRITORY_KM when the site's country or city is not one of their territories
 *         + LOAD_KM × open tickets assigned to them
 *
 * Technicians have no home location in the schema yet, so distance is measured from the site to
 * the nearest centre of the technician's territories: a territory's centre is the mean position
 * of the known sites (with coordinates) whose country or city equals the territory name
 * (case-insensitive). Without coordinates on the site, distance is unknown for everyone.
 */
import type { Queryable } from '../../kernel/db/database.js';
import { haversineKm } from '../../kernel/geo.js';
import { OPEN_STATUSES } from '../tickets/ticket-workflow.js';

export interface RankingOptions {
  /** Penalty for a technician whose territories do not cover the site. Default 300 km. */
  readonly outOfTerritoryKm?: number;
  /** Distance assumed when it cannot be computed. Default 300 km. */
  readonly unknownDistanceKm?: number;
  /** Cost of each open ticket already assigned. Default 50 km. */
  readonly loadKm?: number;
  /** Candidates returned. Default 5. */
  readonly limit?: number;
}

export interface SiteLocation {
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly city: string | null;
  readonly country: string | null;
}

export interface TechnicianFacts {
  readonly id: string;
  readonly name: string;
  readonly territories: readonly string[];
  readonly openTickets: number;
  /** Centres of their territories that have known sites. */
  readonly territoryCentres: readonly { territory: string; latitude: number; longitude: number }[];
}

export interface RankedTechnician {
  readonly technicianId: string;
  readonly name: string;
  readonly rank: number;
  readonly score: number;
  readonly territoryMatch: boolean;
  readonly distanceKm: number | null;
  readonly distanceFrom: string | null;
  readonly openTickets: number;
  readonly reason: string;
}

export function rankTechnicians(skill: string | null, site: SiteLocation, technicians: readonly TechnicianFacts[], options: RankingOptions = {}): RankedTechnician[] {
  const outOfTerritory = options.outOfTerritoryKm ?? 300;
  const unknown = options.unknownDistanceKm ?? 300;
  const loadKm = options.loadKm ?? 50;
  const placeNames = [site.country, site.city].filter((v): v is string => !!v).map((v) => v.toLowerCase());
  const scored = technicians.map((t) => {
    const matched = t.territories.find((terr) => placeNames.includes(terr.toLowerCase()));
    let distanceKm: number | null = null;
    let distanceFrom: string | null = null;
    if (site.latitude !== null && site.longitude !== null) {
      for (const c of t.territoryCentres) {
        const d = haversineKm(site.latitude, site.longitude, c.latitude, c.longitude);
        if (distanceKm === null || d < distanceKm) {
          distanceKm = d;
          distanceFrom = c.territory;
        }
      }
    }
    const rounded = distanceKm === null ? null : Math.round(distanceKm);
    const score = Math.round((rounded ?? unknown) + (matched ? 0 : outOfTerritory) + loadKm * t.openTickets);
    const parts = [
      skill ? `has skill ${skill}` : 'no skill required',
      matched ? `territory ${matched} covers the site` : `outside their territories (${t.territories.join(', ') || 'none'}): +${outOfTerritory}`,
      rounded === null ? `distance unknown: +${unknown}` : `~${rounded} km from the centre of territory ${distanceFrom}`,
      `${t.openTickets} open ticket${t.openTickets === 1 ? '' : 's'}: +${loadKm * t.openTickets}`,
    ];
    return { technicianId: t.id, name: t.name, score, territoryMatch: !!matched, distanceKm: rounded, distanceFrom, openTickets: t.openTickets, reason: `${parts.join('; ')} → score ${score}` };
  });
  scored.sort((a, b) => a.score - b.score || a.openTickets - b.openTickets || a.name.localeCompare(b.name) || a.technicianId.localeCompare(b.technicianId));
  return scored.slice(0, options.limit ?? 5).map((t, i) => ({ ...t, rank: i + 1 }));
}

/** Active technicians with the skill (any when null), with their load and territory centres; and how many lack the skill. */
export async function technicianFacts(q: Queryable, skill: string | null): Promise<{ technicians: TechnicianFacts[]; excludedForSkill: number }> {
  const { rows } = await q.query<{ id: string; name: string; territories: string[]; open_tickets: number; centres: { territory: string; latitude: number; longitude: number }[] | null; skilled: boolean }>(
    `SELECT u.id, u.name, u.territories,
            ($1::text IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(u.skills) sk WHERE lower(sk) = lower($1::text))) AS skilled,
            (SELECT count(*)::int FROM tickets t WHERE t.technician_id = u.id AND t.status = ANY($2::text[])) AS open_tickets,
            (SELECT jsonb_agg(jsonb_build_object('territory', terr, 'latitude', c.lat, 'longitude', c.lon))
               FROM unnest(u.territories) AS terr
               CROSS JOIN LATERAL (
                 SELECT avg(s.latitude) AS lat, avg(s.longitude) AS lon FROM sites s
                 WHERE s.latitude IS NOT NULL AND s.longitude IS NOT NULL AND (lower(s.country) = lower(terr) OR lower(s.city) = lower(terr))
               ) c
              WHERE c.lat IS NOT NULL) AS centres
       FROM users u WHERE u.role = 'technician' AND u.active`,
    [skill, OPEN_STATUSES],
  );
  const skilled = rows.filter((r) => r.skilled);
  return {
    technicians: skilled.map((r) => ({ id: r.id, name: r.name, territories: r.territories, openTickets: r.open_tickets, territoryCentres: (r.centres ?? []).map((c) => ({ territory: c.territory, latitude: Number(c.latitude), longitude: Number(c.longitude) })) })),
    excludedForSkill: rows.length - skilled.length,
  };
}
