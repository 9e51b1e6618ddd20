import { describe, expect, it } from 'vitest';
import { label } from '../../src/service/documents/document-labels.js';
import { DocumentFormat } from '../../src/service/documents/document-format.js';
import { PdfLayout } from '../../src/service/documents/pdf-layout.js';
import { pdfContent } from '../harness/pdf-text.js';

const company = { name: 'Kältetechnik Müller GmbH', addressLines: ['Hauptstraße 1', '80331 München'] };

async function render(language: 'en' | 'de', rows = 3): Promise<Buffer> {
  const format = new DocumentFormat({ language, timeZone: 'Europe/Berlin' });
  const layout = new PdfLayout(company, {
    title: label(language, 'invoice'),
    number: 'INV-2026-000042',
    language,
    facts: [[label(language, 'dueDate'), format.date('2026-12-31T23:30:00Z')]],
    watermark: label(language, 'draft'),
  });
  layout.blocks({ title: label(language, 'customer'), lines: ['Bäckerei Größe', 'Überweg 3'] });
  layout.table(
    [
      { header: label(language, 'description'), width: 4 },
      { header: label(language, 'amount'), width: 1, align: 'right' },
    ],
    Array.from({ length: rows }, (_, i) => [`Wartung Kühlgerät ${i + 1}`, format.money(1234.5, 'EUR')]),
  );
  layout.totals([[label(language, 'total'), format.money(1234.5 * rows, 'EUR')]]);
  return layout.render();
}

describe('PDF layout kit', () => {
  it('prints the number, German labels and umlauts, money and dates in the language and zone', async () => {
    const pdf = await render('de');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { text, info } = await pdfContent(pdf);
    expect(text).toContain('INV-2026-000042');
    expect(text).toContain('Rechnung');
    expect(text).toContain('Fällig am');
    expect(text).toContain('Kältetechnik Müller GmbH');
    expect(text).toContain('Bäckerei Größe');
    expect(text).toContain('Überweg 3');
    // 1.234,50 € (German grouping and decimal comma; the euro sign survives WinAnsi).
    expect(text).toMatch(/1\.234,50\s€/);
    // 23:30 UTC on the 31st is the 1st of January in Berlin.
    expect(text).toContain('01.01.2027');
    expect(text).toContain('ENTWURF');
    expect(text).toContain('Seite 1 von 1');
    expect(info['Title']).toBe('Rechnung INV-2026-000042');
  });

  it('prints English labels for en and numbers every page of a long table', async () => {
    const { text, pages } = await pdfContent(await render('en', 80));
    expect(text).toContain('Invoice');
    expect(text).toContain('Due date');
    expect(text).toContain('€1,234.50');
    expect(text).not.toContain('Rechnung');
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[1]).toContain(`Page 2 of ${pages.length}`);
    // The table header repeats on the next page.
    expect(pages[1]).toContain('Description');
  });
});
