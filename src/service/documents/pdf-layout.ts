/**
 * A small layout kit over pdfkit for the business documents: the company header, the document
 * title with its number and facts, the customer block, sections, tables that break across pages
 * (repeating their header), totals, images, signature lines, a watermark and a footer with page
 * numbers. Every document is A4 in the standard Helvetica fonts, whose WinAnsi encoding covers
 * German (ä ö ü ß) and the euro sign; no font files are embedded.
 */
import PDFDocument from 'pdfkit';
import { label, type DocumentLanguage } from './document-labels.js';

export interface CompanyHeader {
  readonly name: string;
  /** Address lines under the name. */
  readonly addressLines: readonly string[];
}

export interface TableColumn {
  readonly header: string;
  /** Share of the text width (the shares of a table are normalised). */
  readonly width: number;
  readonly align?: 'left' | 'right';
}

export interface DocumentMeta {
  readonly title: string;
  /** The document's number (invoice number, ticket number...); printed beside the title and in the file's metadata. */
  readonly number: string;
  readonly language: DocumentLanguage;
  /** Label → value pairs beside the title (date, due date, status...). */
  readonly facts?: readonly (readonly [string, string])[];
  /** Printed diagonally across every page (DRAFT, VOID). */
  readonly watermark?: string | undefined;
}

const MARGIN = 50;
const FOOTER_SPACE = 30;
const GREY = '#555555';
const RULE = '#bbbbbb';
const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';

export class PdfLayout {
  readonly doc: PDFKit.PDFDocument;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<Buffer>;

  constructor(
    private readonly company: CompanyHeader,
    private readonly meta: DocumentMeta,
  ) {
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: MARGIN + FOOTER_SPACE },
      bufferPages: true,
      info: { Title: `${meta.title} ${meta.number}`, Author: company.name, Creator: 'Telemend' },
    });
    this.done = new Promise((resolve, reject) => {
      this.doc.on('data', (chunk: Buffer) => this.chunks.push(chunk));
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.doc.on('error', reject);
    });
    this.header();
  }

  private get width(): number {
    return this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }

  private get left(): number {
    return this.doc.page.margins.left;
  }

  private get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  /** Starts a new page when less than `height` points are left. */
  ensureSpace(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }

  private header(): void {
    const { doc, company, meta } = this;
    doc.font(BOLD).fontSize(14).fillColor('black').text(company.name, this.left, MARGIN);
    doc.font(FONT).fontSize(9).fillColor(GREY);
    for (const line of company.addressLines) doc.text(line);
    doc.moveDown(1.2);
    const top = doc.y;
    doc
      .font(BOLD)
      .fontSize(18)
      .fillColor('black')
      .text(meta.title, this.left, top, { width: this.width * 0.55 });
    doc
      .font(FONT)
      .fontSize(11)
      .text(`${label(meta.language, 'number')}: ${meta.number}`, { width: this.width * 0.55 });
    const afterTitle = doc.y;
    doc.y = top;
    const factsX = this.left + this.width * 0.58;
    for (const [name, value] of meta.facts ?? []) {
      doc
        .font(FONT)
        .fontSize(9)
        .fillColor(GREY)
        .text(name, factsX, doc.y, { width: this.width * 0.42 });
      doc
        .font(BOLD)
        .fontSize(10)
        .fillColor('black')
        .text(value, factsX, doc.y, { width: this.width * 0.42 });
    }
    doc.y = Math.max(afterTitle, doc.y) + 10;
    this.rule();
  }

  private rule(): void {
    const y = this.doc.y;
    this.doc
      .moveTo(this.left, y)
      .lineTo(this.left + this.width, y)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    this.doc.y = y + 8;
  }

  /** A labelled block of lines (the customer's name and address, the site...), side by side when given two. */
  blocks(...blocks: readonly { readonly title: string; readonly lines: readonly (string | null | undefined)[] }[]): void {
    const { doc } = this;
    const top = doc.y;
    const each = this.width / Math.max(1, blocks.length);
    let lowest = top;
    blocks.forEach((block, i) => {
      const x = this.left + i * each;
      doc
        .font(FONT)
        .fontSize(9)
        .fillColor(GREY)
        .text(block.title, x, top, { width: each - 10 });
      doc.font(FONT).fontSize(10).fillColor('black');
      for (const line of block.lines) if (line) doc.text(line, x, doc.y, { width: each - 10 });
      lowest = Math.max(lowest, doc.y);
    });
    doc.x = this.left;
    doc.y = lowest + 10;
  }

  section(title: string): void {
    this.ensureSpace(50);
    this.doc.moveDown(0.5);
    this.doc.font(BOLD).fontSize(12).fillColor('black').text(title, this.left, this.doc.y, { width: this.width });
    this.doc.moveDown(0.3);
  }

  paragraph(text: string, options: { readonly muted?: boolean; readonly size?: number } = {}): void {
    this.doc
      .font(FONT)
      .fontSize(options.size ?? 10)
      .fillColor(options.muted ? GREY : 'black')
      .text(text, this.left, this.doc.y, { width: this.width });
    this.doc.moveDown(0.3);
  }

  /** `name: value` lines, skipping empty values. */
  facts(pairs: readonly (readonly [string, string | null | undefined])[]): void {
    for (const [name, value] of pairs) {
      if (!value) continue;
      this.doc.font(BOLD).fontSize(10).fillColor('black').text(`${name}: `, this.left, this.doc.y, { continued: true, width: this.width });
      this.doc.font(FONT).text(value);
    }
    this.doc.moveDown(0.3);
  }

  bullets(items: readonly string[]): void {
    for (const item of items) this.paragraph(`•  ${item}`);
  }

  /** A table; rows that do not fit go to the next page under a repeated header. */
  table(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): void {
    const { doc } = this;
    const total = columns.reduce((sum, c) => sum + c.width, 0);
    const widths = columns.map((c) => (c.width / total) * this.width);
    const pad = 4;
    const drawRow = (cells: readonly string[], bold: boolean) => {
      doc.font(bold ? BOLD : FONT).fontSize(9);
      const height = Math.max(...cells.map((cell, i) => doc.heightOfString(cell || ' ', { width: widths[i]! - 2 * pad }))) + 2 * pad;
      if (doc.y + height > this.bottom) {
        doc.addPage();
        if (!bold)
          drawRow(
            columns.map((c) => c.header),
            true,
          );
      }
      const y = doc.y;
      let x = this.left;
      cells.forEach((cell, i) => {
        doc.fillColor(bold ? GREY : 'black').text(cell, x + pad, y + pad, { width: widths[i]! - 2 * pad, align: columns[i]!.align ?? 'left' });
        x += widths[i]!;
      });
      doc.x = this.left;
      doc.y = y + height;
      this.rule();
      doc.y -= 8;
    };
    this.ensureSpace(40);
    drawRow(
      columns.map((c) => c.header),
      true,
    );
    for (const row of rows) drawRow(row, false);
    doc.y += 6;
  }

  /** Right-aligned `label  value` lines; the last one bold (the total). */
  totals(lines: readonly (readonly [string, string])[]): void {
    const { doc } = this;
    this.ensureSpace(18 * lines.length + 10);
    const labelX = this.left + this.width * 0.4;
    lines.forEach(([name, value], i) => {
      const last = i === lines.length - 1;
      const y = doc.y;
      doc
        .font(last ? BOLD : FONT)
        .fontSize(last ? 12 : 10)
        .fillColor('black');
      doc.text(name, labelX, y, { width: this.width * 0.35, align: 'right' });
      doc.text(value, labelX + this.width * 0.35, y, { width: this.width * 0.25, align: 'right' });
      doc.y = Math.max(doc.y, y + (last ? 16 : 14));
    });
    doc.x = this.left;
    doc.moveDown(0.5);
  }

  /** A PNG or JPEG scaled to fit `maxWidth` × `maxHeight`, with an optional caption. */
  image(data: Buffer, options: { readonly maxWidth?: number; readonly maxHeight: number; readonly caption?: string | undefined }): void {
    const maxWidth = Math.min(options.maxWidth ?? this.width, this.width);
    this.ensureSpace(options.maxHeight + 20);
    const y = this.doc.y;
    this.doc.image(data, this.left, y, { fit: [maxWidth, options.maxHeight] });
    this.doc.x = this.left;
    this.doc.y = y + options.maxHeight + 4;
    if (options.caption) this.paragraph(options.caption, { muted: true, size: 8 });
  }

  /** Lines to sign on, side by side, each with its caption underneath. */
  signatureLines(captions: readonly string[]): void {
    const { doc } = this;
    this.ensureSpace(70);
    const y = doc.y + 40;
    const each = this.width / captions.length;
    captions.forEach((caption, i) => {
      const x = this.left + i * each;
      doc
        .moveTo(x, y)
        .lineTo(x + each - 30, y)
        .lineWidth(0.7)
        .strokeColor('black')
        .stroke();
      doc
        .font(FONT)
        .fontSize(8)
        .fillColor(GREY)
        .text(caption, x, y + 4, { width: each - 30 });
    });
    doc.x = this.left;
    doc.y = y + 24;
  }

  /** Draws the footers (and watermark) on every page and returns the finished PDF. */
  async render(): Promise<Buffer> {
    const { doc, meta } = this;
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      // Writing into the bottom margin would otherwise start a new page.
      const bottomMargin = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      if (meta.watermark) this.watermark(meta.watermark);
      const y = doc.page.height - MARGIN;
      const pageLabel = label(meta.language, 'page', { page: i - range.start + 1, pages: range.count });
      doc.font(FONT).fontSize(8).fillColor(GREY);
      doc.text(`${this.company.name} · ${meta.title} ${meta.number}`, this.left, y, { width: this.width * 0.7, lineBreak: false });
      doc.text(pageLabel, this.left + this.width * 0.7, y, { width: this.width * 0.3, align: 'right', lineBreak: false });
      doc.page.margins.bottom = bottomMargin;
    }
    doc.end();
    return this.done;
  }

  private watermark(text: string): void {
    const { doc } = this;
    const cx = doc.page.width / 2;
    const cy = doc.page.height / 2;
    doc.save();
    doc.rotate(-35, { origin: [cx, cy] });
    doc.font(BOLD).fontSize(96).fillColor('#d0d0d0').fillOpacity(0.45);
    doc.text(text, 0, cy - 48, { width: doc.page.width, align: 'center', lineBreak: false });
    doc.restore();
    doc.fillOpacity(1);
  }
}

/** The header's company from DOCUMENTS_COMPANY_NAME and DOCUMENTS_COMPANY_ADDRESS (lines separated by `|`). */
export function companyHeaderOf(config: { readonly DOCUMENTS_COMPANY_NAME: string; readonly DOCUMENTS_COMPANY_ADDRESS: string }): CompanyHeader {
  const addressLines = config.DOCUMENTS_COMPANY_ADDRESS.split('|')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return { name: config.DOCUMENTS_COMPANY_NAME, addressLines };
}
