/**
 * The technician app's service worker (built to /app/sw.js, scope /app/). Workbox precaches the
 * app shell and the chunks it loads, so /app opens without network; the data lives in IndexedDB
 * (store.ts). Web Push: a notification per message, and a click opens the visit it is about.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

// The worker's global scope, typed locally: the web workspace compiles with the DOM library,
// which lacks the WebWorker one's ServiceWorkerGlobalScope.
interface PushPayload {
  title?: string;
  body?: string;
  visitId?: string;
  url?: string;
  tag?: string;
}
interface WindowClient {
  url: string;
  focus(): Promise<WindowClient>;
  navigate(url: string): Promise<WindowClient | null>;
}
declare global {
  interface Window {
    /** Replaced by the list of precached files at build time (Workbox injectManifest). */
    __WB_MANIFEST: Array<{ url: string; revision: string | null } | string>;
  }
}
interface WorkerScope {
  location: Location;
  registration: { showNotification(title: string, options?: NotificationOptions & { data?: unknown }): Promise<void> };
  clients: {
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClient[]>;
    openWindow(url: string): Promise<WindowClient | null>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: string, listener: (event: ExtendableEvent) => void): void;
}
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
  data?: { json(): unknown; text(): string } | null;
  notification?: Notification & { data?: unknown };
}

const sw = self as unknown as WorkerScope;

cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);
// Any navigation inside /app/ gets the cached shell; the app routes by its hash.
registerRoute(new NavigationRoute(createHandlerBoundToURL('/app/index.html'), { allowlist: [/^\/app\/?(index\.html)?$/] }));

sw.addEventListener('install', (event) => event.waitUntil(sw.skipWaiting()));
sw.addEventListener('activate', (event) => event.waitUntil(sw.clients.claim()));

/** Where a notification leads: its URL when it is one of ours, else the visit, else today. */
function targetOf(payload: PushPayload): string {
  if (payload.url?.startsWith('/app/')) return payload.url;
  return payload.visitId ? `/app/#/visit/${encodeURIComponent(payload.visitId)}` : '/app/';
}

sw.addEventListener('push', (event) => {
  let payload: PushPayload = {};
  try {
    payload = (event.data?.json() ?? {}) as PushPayload;
  } catch {
    payload = { body: event.data?.text() ?? '' };
  }
  const options: NotificationOptions & { data?: unknown } = {
    body: payload.body ?? '',
    icon: '/app/icon-192.png',
    badge: '/app/icon-192.png',
    data: { url: targetOf(payload) },
  };
  if (payload.tag) options.tag = payload.tag;
  event.waitUntil(sw.registration.showNotification(payload.title ?? 'Telemend', options));
});

sw.addEventListener('notificationclick', (event) => {
  event.notification?.close();
  const url = new URL(((event.notification?.data ?? {}) as { url?: string }).url ?? '/app/', sw.location.origin).href;
  event.waitUntil(
    (async () => {
      const open = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const client = open.find((c) => new URL(c.url).pathname.startsWith('/app'));
      if (client) {
        await client.focus();
        await client.navigate(url);
        return;
      }
      await sw.clients.openWindow(url);
    })(),
  );
});
