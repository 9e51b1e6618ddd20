/**
 * Web Push: the service worker subscribes with the server's VAPID public key
 * (GET /push/vapid-public-key) and the subscription is registered for this user and device
 * (POST /me/push-subscriptions); sw.ts shows the notifications.
 */
import type { Api } from '../shared/api';

export type PushState = 'unsupported' | 'off' | 'on';

const supported = (): boolean => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

export async function pushState(): Promise<PushState> {
  if (!supported()) return 'unsupported';
  const registration = await navigator.serviceWorker.getRegistration('/app/');
  if (!registration) return 'unsupported';
  return (await registration.pushManager.getSubscription()) ? 'on' : 'off';
}

/** The VAPID key as the bytes pushManager.subscribe wants (it comes base64url-encoded). */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(base64url.length / 4) * 4, '=');
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export async function enablePush(api: Api): Promise<void> {
  if ((await Notification.requestPermission()) !== 'granted') throw new Error('Notifications are blocked for this site');
  const registration = await navigator.serviceWorker.ready;
  const { publicKey } = await api.ok(api.client.GET('/api/v1/push/vapid-public-key'));
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
  const json = subscription.toJSON();
  await api.ok(
    api.client.POST('/api/v1/me/push-subscriptions', {
      body: {
        endpoint: subscription.endpoint,
        keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
        deviceLabel: navigator.userAgent.slice(0, 100),
      },
    }),
  );
}

export async function disablePush(api: Api): Promise<void> {
  const registration = await navigator.serviceWorker.getRegistration('/app/');
  const subscription = await registration?.pushManager.getSubscription();
  if (!subscription) return;
  try {
    const { items } = await api.ok(api.client.GET('/api/v1/me/push-subscriptions'));
    const mine = items.find((item) => item.endpoint === subscription.endpoint);
    if (mine) await api.ok(api.client.DELETE('/api/v1/me/push-subscriptions/{id}', { params: { path: { id: mine.id } } }));
  } catch {
    // Offline or already gone: the server drops a subscription the push service refuses (404/410).
  }
  await subscription.unsubscribe();
}
