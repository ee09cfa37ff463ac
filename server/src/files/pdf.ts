// PDFs reach models as text: each page's text layer (PDF.js, through unpdf), at most
// PDF_MAX_PAGES pages. A PDF without a text layer (scanned pages) or one that cannot be read
// becomes a clear note instead of an empty document, so the model can say so.

import { getDocumentProxy } from "unpdf";

export interface PdfText {
  /** The PDF's page count. */
  pages: number;
  /** What the model reads: the pages' text, or a note saying why there is none. */
  text: string;
}

/** Recent results by SHA-256: a branch's later turns send the same PDF again. */
const cache = new Map<string, PdfText>();
const CACHE_SIZE = 32;

export async function pdfText(
  sha256: string,
  bytes: Uint8Array,
  maxPages: number,
): Promise<PdfText> {
  const key = `${sha256}:${maxPages}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const result = await extract(bytes, maxPages);
  cache.set(key, result);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return result;
}

async function extract(bytes: Uint8Array, maxPages: number): Promise<PdfText> {
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // A copy: PDF.js takes ownership of (detaches) the buffer it is given.
    document = await getDocumentProxy(new Uint8Array(bytes));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { pages: 0, text: `[This PDF could not be read (${reason}).]` };
  }
  try {
    const pages: string[] = [];
    const read = Math.min(document.numPages, maxPages);
    for (let number = 1; number <= read; number += 1) {
      const page = await document.getPage(number);
      const content = await page.getTextContent();
      let text = "";
      for (const item of content.items) {
        if (!("str" in item)) continue;
        text += item.str + (item.hasEOL ? "\n" : "");
      }
      pages.push(text.trim());
    }
    if (pages.every((page) => page === "")) {
      return {
        pages: document.numPages,
        text: "[This PDF has no text layer (its pages are images, such as scans), so its content could not be read.]",
      };
    }
    const rest =
      document.numPages > read
        ? `\n\n[Only the first ${read} of ${document.numPages} pages were read.]`
        : "";
    return { pages: document.numPages, text: pages.join("\n\n") + rest };
  } finally {
    await document.loadingTask.destroy();
  }
}
