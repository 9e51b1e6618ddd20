// aedes-persistence-redis ships no types: the factory returns an aedes persistence.
declare module 'aedes-persistence-redis' {
  import type { Redis } from 'ioredis';
  interface RedisPersistenceOptions {
    conn?: Redis;
    maxSessionDelivery?: number;
    packetTTL?: () => number;
  }
  export default function aedesPersistenceRedis(options?: RedisPersistenceOptions): unknown;
}
