/**
 * Debian's Mosquitto 2 as an external broker for tests: free loopback port, temporary folder,
 * MQTT 5, the dynamic-security plugin initialised with an admin account (which Telemend's ingest
 * and dynsec sync use). `max_queued_messages 0` (no limit): with the default of 1000 Mosquitto
 * drops messages queued for a disconnected ingest session beyond that, after it acknowledged them
 * to the device (README, "External MQTT broker").
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort, ManagedServer } from './servers.js';

const run = promisify(execFile);

export const MOSQUITTO_ADMIN = { username: 'telemend-admin', password: 'admin-password-0123456789' } as const;

const PLUGIN_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/mosquitto_dynamic_security.so',
  '/usr/local/lib/mosquitto_dynamic_security.so',
];

export function dynsecPlugin(): string {
  const found = PLUGIN_CANDIDATES.find((p) => existsSync(p));
  if (!found) throw new Error('mosquitto_dynamic_security.so not found: install the Debian package mosquitto');
  return found;
}

export class MosquittoServer extends ManagedServer {
  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  protected async command() {
    const conf = path.join(this.dir, 'mosquitto.conf');
    const dynsec = path.join(this.dir, 'dynamic-security.json');
    if (!existsSync(dynsec)) await run('mosquitto_ctrl', ['dynsec', 'init', dynsec, MOSQUITTO_ADMIN.username, MOSQUITTO_ADMIN.password]);
    await writeFile(
      conf,
      [
        // Started as root, Mosquitto would switch to the `mosquitto` user, who cannot read this folder.
        `user ${os.userInfo().username}`,
        'per_listener_settings false',
        `listener ${this.port} 127.0.0.1`,
        'allow_anonymous false',
        `plugin ${dynsecPlugin()}`,
        `plugin_opt_config_file ${dynsec}`,
        'persistence false',
        'max_queued_messages 0',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        '',
      ].join('\n'),
    );
    // Debian installs it in /usr/sbin, which is not on a normal user's PATH.
    return { bin: existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto', args: ['-c', conf] };
  }

  protected ready(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect(this.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }
}

export async function startMosquitto(): Promise<MosquittoServer> {
  const server = new MosquittoServer(await freePort(), await mkdtemp(path.join(os.tmpdir(), 'telemend-mosquitto-')));
  await server.start();
  return server;
}

/** Platform variables for ingest from this Mosquitto (embedded broker off, dynamic security on). */
export function externalEnv(url: string, clientId = `ingest-${randomBytes(3).toString('hex')}`): Record<string, string> {
  return {
    MQTT_EMBEDDED: 'false',
    MQTT_EXTERNAL_URL: url,
    MQTT_EXTERNAL_USERNAME: MOSQUITTO_ADMIN.username,
    MQTT_EXTERNAL_PASSWORD: MOSQUITTO_ADMIN.password,
    MQTT_EXTERNAL_DYNSEC: 'true',
    MQTT_EXTERNAL_CLIENT_ID: clientId,
    MQTT_EXTERNAL_CONNECTIONS: '2',
  };
}

/** A device connecting to Mosquitto (MQTT 5, persistent session); rejects on a refused CONNECT. */
export function connectMosquittoDevice(url: string, deviceId: string, token: string, extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      protocolVersion: 5,
      clientId: deviceId,
      username: deviceId,
      password: token,
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...extra,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  });
}
