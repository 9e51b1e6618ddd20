/**
 * Reads a PDF back for assertions: the text of every page (pdfjs-dist's legacy build, which runs
 * in Node without a browser) and whether any page paints an image.
 */
import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';

export interface PdfContent {
  /** Text of each page, items joined with spaces (line breaks as newlines). */
  readonly pages: string[];
  /** All pages' text. */
  readonly text: string;
  /** Some page paints an image (a signature, a photo). */
  readonly hasImages: boolean;
  /** How many images the pages paint. */
  readonly imageCount: number;
  /** Document information (Title, Author...). */
  readonly info: Record<string, unknown>;
}

const IMAGE_OPS = new Set<number>([OPS.paintImageXObject, OPS.paintInlineImageXObject, OPS.paintImageXObjectRepeat, OPS.paintImageMaskXObject]);

export async function pdfContent(pdf: Uint8Array | ArrayBuffer): Promise<PdfContent> {
  // pdfjs takes ownership of (and detaches) the buffer it is given: hand it a copy.
  const data = new Uint8Array(pdf instanceof ArrayBuffer ? pdf.slice(0) : pdf.slice());
  const document = await getDocument({ data, useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
  try {
    const pages: string[] = [];
    let imageCount = 0;
    for (let n = 1; n <= document.numPages; n++) {
      const page = await document.getPage(n);
      const content = await page.getTextContent();
      pages.push(
        content.items
          .map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : ' ') : ''))
          .join('')
          .replace(/[ \t]+/g, ' ')
          .trim(),
      );
      const operators = await page.getOperatorList();
      imageCount += operators.fnArray.filter((fn) => IMAGE_OPS.has(fn)).length;
    }
    const { info } = await document.getMetadata();
    return { pages, text: pages.join('\n'), hasImages: imageCount > 0, imageCount, info: info as Record<string, unknown> };
  } finally {
    await document.destroy();
  }
}

/** The text of every page, joined. */
export async function pdfText(pdf: Uint8Array | ArrayBuffer): Promise<string> {
  return (await pdfContent(pdf)).text;
}
