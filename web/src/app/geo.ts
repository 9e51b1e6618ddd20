/**
 * While the technician travels to a visit, the phone's position goes to the server
 * (POST /technicians/{id}/location) so the ETA and the customer's delay notice follow the real
 * trip. Positions are sent when online and dropped when not: a stale position is of no use.
 */
import type { Api } from '../shared/api';

/** Fewest milliseconds between two positions sent. */
const MIN_INTERVAL_MS = 20_000;

let watch: { id: number; visitId: string } | null = null;

export function isTracking(visitId: string): boolean {
  return watch?.visitId === visitId;
}

export function startTracking(api: Api, visitId: string, onError?: (error: GeolocationPositionError) => void): void {
  const me = api.session.user?.id;
  if (!me || !('geolocation' in navigator) || watch?.visitId === visitId) return;
  stopTracking();
  let lastSent = 0;
  const id = navigator.geolocation.watchPosition(
    (position) => {
      const now = Date.now();
      if (now - lastSent < MIN_INTERVAL_MS || !navigator.onLine) return;
      lastSent = now;
      const { latitude: lat, longitude: lon, accuracy } = position.coords;
      void api
        .ok(
          api.client.POST('/api/v1/technicians/{id}/location', {
            params: { path: { id: me } },
            body: { lat, lon, accuracy: Math.min(accuracy, 100_000), at: position.timestamp },
          }),
        )
        .catch(() => {
          lastSent = 0; // try the next position instead of waiting the full interval
        });
    },
    (error) => onError?.(error),
    { enableHighAccuracy: true, maximumAge: 10_000 },
  );
  watch = { id, visitId };
}

export function stopTracking(): void {
  if (watch) navigator.geolocation.clearWatch(watch.id);
  watch = null;
}

/** One position now (for the en-route action's ETA), or undefined when none comes in time. */
export function currentPosition(timeoutMs = 5_000): Promise<{ lat: number; lon: number } | undefined> {
  if (!('geolocation' in navigator)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }),
      () => resolve(undefined),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 30_000 },
    );
  });
}
