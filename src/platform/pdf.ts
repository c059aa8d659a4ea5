import PDFDocument from 'pdfkit';

export type PdfInfo = { Title: string; Author: string; Subject: string; Creator?: string };
/** Adds one structure element (H1, P, L, LI, Table…) to the document's structure tree and draws it. */
export type StructElement = (type: string, draw: () => void) => void;

/**
 * A tagged PDF (PDF/UA-minded: structure tree, language, displayed title) as a Buffer. `build` draws the content
 * through `el` (or adds nested elements such as lists to `root`), so every heading, paragraph and list is in the structure tree screen readers follow.
 */
export function taggedPdf(info: PdfInfo, build: (doc: PDFKit.PDFDocument, el: StructElement, root: PDFKit.PDFStructureElement) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, tagged: true, lang: 'en-GB', displayTitle: true, pdfVersion: '1.7', info });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const root = doc.struct('Document');
    doc.addStructure(root);
    const el: StructElement = (type, draw) => root.add(doc.struct(type as any, {}, draw));
    try {
      build(doc, el, root);
      doc.end();
    } catch (err) {
      reject(err);
    }
  });
}
