/**
 * Test world for notifications: the service API on PGlite (tickets, contacts and visits are made
 * through the real API), a real SMTP server (smtp-server) on a free loopback port that can be
 * stopped and started again on that port, a scripted HTTP receiver for webhooks, and a small MIME
 * reader for the received e-mails.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../harness/servers.js';
import { ADMIN_TOKEN, seedCustomer, startServiceApi, type ServiceApi } from '../service/service-fixture.js';

export interface ReceivedMail {
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
  to: string[];
}

/** A real SMTP server keeping what it receives. Stop and start keep the port. */
export class TestSmtp {
  readonly received: ReceivedMail[] = [];
  private server?: SMTPServer;

  private constructor(readonly port: number) {}

  static async create(): Promise<TestSmtp> {
    return new TestSmtp(await freePort());
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const mail = parseMail(Buffer.concat(chunks).toString('utf8'));
          mail.to = session.envelope.rcptTo.map((r) => r.address);
          this.received.push(mail);
          callback();
        });
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Mails carrying this notification id. */
  withId(id: string): ReceivedMail[] {
    return this.received.filter((m) => m.headers['x-telemend-notification-id'] === id);
  }
}

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A webhook receiver answering with the scripted statuses in order (then 200). */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly answers: number[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = this.answers.shift() ?? 200;
      this.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---- MIME reading (just what nodemailer writes) ------------------------------------------------

function splitMessage(raw: string): { headers: Record<string, string>; body: string } {
  const cut = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, cut).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: raw.slice(cut + 4) };
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : qpBytes(text.replace(/_/g, ' ')).toString('utf8'),
    );
}

function qpBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') return qpBytes(body.replace(/=\r\n/g, '')).toString('utf8');
  return body;
}

export function parseMail(raw: string): ReceivedMail {
  const { headers, body } = splitMessage(raw);
  const parts: Record<string, string> = {};
  const boundary = /boundary="?([^";]+)"?/.exec(headers['content-type'] ?? '')?.[1];
  if (boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitMessage(chunk.replace(/^\r\n/, ''));
      const type = (part.headers['content-type'] ?? 'text/plain').split(';')[0]!.trim();
      parts[type] = decodeBody(part.body.replace(/\r\n$/, ''), part.headers['content-transfer-encoding']);
    }
  } else {
    parts[(headers['content-type'] ?? 'text/plain').split(';')[0]!.trim()] = decodeBody(body, headers['content-transfer-encoding']);
  }
  return {
    raw,
    headers,
    subject: decodeWords(headers.subject ?? ''),
    text: (parts['text/plain'] ?? '').replace(/\r\n/g, '\n').trimEnd(),
    html: parts['text/html'] ?? '',
    to: [],
  };
}

// ---- CRM data through the API ------------------------------------------------------------------

export interface Scenario {
  customerId: string;
  siteId: string;
  ticketId: string;
  ticketNumber: string;
  technicianId: string;
  /** Creates a contact of the scenario's customer. */
  contact(input: { name: string; email?: string; language?: string; isPrimary?: boolean; optOuts?: string[] }): Promise<string>;
  /** Creates a planned visit of the technician on the ticket. */
  visit(start: string, end: string): Promise<string>;
}

type Reply = Awaited<ReturnType<ServiceApi['call']>>;

/** The service API, whose `call` also speaks PUT (preferences). */
export interface NotificationsApi extends Omit<ServiceApi, 'call'> {
  call(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, body?: unknown, headers?: Record<string, string | undefined>): Promise<Reply>;
}

export async function startNotificationsApi(): Promise<NotificationsApi> {
  const api = await startServiceApi();
  return {
    ...api,
    async call(method, url, body, headers = {}) {
      if (method !== 'PUT') return api.call(method, url, body, headers);
      const merged: Record<string, string> = {};
      for (const [k, v] of Object.entries({ authorization: `Bearer ${ADMIN_TOKEN}`, ...headers })) if (v !== undefined) merged[k] = v;
      const response = await api.app.inject({ method, url, headers: merged, ...(body === undefined ? {} : { payload: body as object }) });
      const type = String(response.headers['content-type'] ?? '');
      return { status: response.statusCode, headers: response.headers, body: type.includes('json') ? response.json() : response.body };
    },
  };
}

export async function scenario(api: NotificationsApi): Promise<Scenario> {
  const { customerId, siteId, assetIds } = await seedCustomer(api, 1);
  const ticket = await api.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Chiller too warm', assetId: assetIds[0] });
  if (ticket.status !== 201) throw new Error(`ticket: ${JSON.stringify(ticket.body)}`);
  const technician = await api.user('technician');
  await api.db.query(`UPDATE users SET name = 'Tina Tech' WHERE id = $1`, [technician.id]);
  return {
    customerId,
    siteId,
    ticketId: ticket.body.id,
    ticketNumber: ticket.body.number,
    technicianId: technician.id,
    async contact(input) {
      const reply = await api.call('POST', '/api/v1/contacts', {
        customerId,
        name: input.name,
        emails: input.email ? [{ address: input.email }] : [],
        ...(input.language ? { language: input.language } : {}),
        isPrimary: input.isPrimary ?? false,
        optOuts: input.optOuts ?? [],
      });
      if (reply.status !== 201) throw new Error(`contact: ${JSON.stringify(reply.body)}`);
      return reply.body.id;
    },
    async visit(start, end) {
      const reply = await api.call('POST', `/api/v1/tickets/${ticket.body.id}/visits`, { technicianId: technician.id, plannedStart: start, plannedEnd: end });
      if (reply.status !== 201) throw new Error(`visit: ${JSON.stringify(reply.body)}`);
      return reply.body.id;
    },
  };
}
