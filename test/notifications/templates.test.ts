import { describe, expect, it } from 'vitest';
import { NOTIFICATION_EVENTS, TECHNICIAN_EVENTS } from '../../src/service/notifications/notification.port.js';
import {
  NOTIFICATION_LANGUAGES,
  OUTCOME_LABELS,
  TEMPLATES,
  escapeHtml,
  placeholdersOf,
  renderTemplate,
  resolveLanguage,
} from '../../src/service/notifications/notification.templates.js';

/** Every value the notifier provides (contact events get contactName, technician events technicianName; quote.sent's data gives quoteNumber and validUntil). */
const SAMPLE = {
  contactName: 'Anna Kunde',
  technicianName: 'Tina Tech',
  ticketNumber: 'TCK-000042',
  ticketTitle: 'Chiller too warm',
  customerName: 'Acme GmbH',
  siteName: 'Plant 1',
  siteAddress: 'Hauptstr. 1, Berlin',
  windowStart: '10 Mar 2025, 09:00 UTC',
  windowEnd: '10 Mar 2025, 11:00 UTC',
  eta: '10 Mar 2025, 09:30 UTC',
  delayMinutes: '30',
  outcome: 'fixed',
  quoteNumber: 'QUO-2025-000007',
  validUntil: '2025-04-09',
};

describe('notification templates', () => {
  const events = [...NOTIFICATION_EVENTS, ...TECHNICIAN_EVENTS];

  it('has a template for every event in every language, rendering without a missing placeholder', () => {
    for (const language of NOTIFICATION_LANGUAGES) {
      for (const event of events) {
        const template = TEMPLATES[language][event];
        expect(template, `${language} ${event}`).toBeDefined();
        const used = [...placeholdersOf(template.subject), ...placeholdersOf(template.text)];
        for (const name of used) expect(Object.keys(SAMPLE), `${language} ${event} uses {{${name}}}`).toContain(name);
        const message = renderTemplate(template, SAMPLE);
        for (const part of [message.subject, message.text, message.html]) expect(part, `${language} ${event}`).not.toMatch(/\{\{|\}\}/);
        expect(message.text).toContain('TCK-000042');
      }
    }
  });

  it('uses the same placeholders in every language (a translation cannot drop the ETA)', () => {
    for (const event of events) {
      const names = (language: (typeof NOTIFICATION_LANGUAGES)[number]) =>
        new Set([...placeholdersOf(TEMPLATES[language][event].subject), ...placeholdersOf(TEMPLATES[language][event].text)]);
      expect(names('de'), event).toEqual(names('en'));
    }
  });

  it('gives the window, the ETA, the delay and the outcome in the events that promise them', () => {
    const uses = (event: (typeof events)[number], name: string) => placeholdersOf(TEMPLATES.en[event].text).includes(name);
    expect(uses('visit.scheduled', 'windowStart') && uses('visit.scheduled', 'windowEnd')).toBe(true);
    expect(uses('technician.en_route', 'eta')).toBe(true);
    expect(uses('visit.delayed', 'eta') && uses('visit.delayed', 'delayMinutes')).toBe(true);
    expect(uses('visit.completed', 'outcome')).toBe(true);
    for (const language of NOTIFICATION_LANGUAGES) expect(Object.keys(OUTCOME_LABELS[language]).sort()).toEqual(['another_visit_needed', 'fixed', 'not_fixed']);
  });

  it('refuses to render with a missing value, naming it', () => {
    const { eta: _eta, ...withoutEta } = SAMPLE;
    expect(() => renderTemplate(TEMPLATES.de['technician.en_route'], withoutEta)).toThrow(/eta/);
  });

  it('escapes values (and the template text) in the HTML variant, keeps the text variant literal, and keeps the subject on one line', () => {
    const message = renderTemplate(TEMPLATES.en['ticket.received'], {
      ...SAMPLE,
      ticketTitle: '<script>alert("x")</script> & co',
      ticketNumber: 'A\r\nBcc: x@evil',
    });
    expect(message.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(message.html).not.toContain('<script>');
    expect(message.text).toContain('<script>alert("x")</script> & co');
    expect(message.subject).not.toMatch(/[\r\n]/);
    expect(escapeHtml(`'`)).toBe('&#39;');
  });

  it('resolves a contact language to a template language, falling back to English', () => {
    expect(resolveLanguage('de-AT')).toBe('de');
    expect(resolveLanguage('DE')).toBe('de');
    expect(resolveLanguage('en-GB')).toBe('en');
    expect(resolveLanguage('fr')).toBe('en');
    expect(resolveLanguage(null)).toBe('en');
  });
});
