// Attachments as prompt parts: images as data URLs for models that see images, text files
// inlined as documents, anything else refused before a send writes anything.

import { type FileRef, isImageType, isTextType, type ModelInfo } from "@parley/shared";
import { badRequest } from "../../errors.ts";
import { pdfText } from "../../files/pdf.ts";
import type { FileService } from "../../files/service.ts";
import type { PromptPart } from "../../llm/stream.ts";

const PDF = "application/pdf";

/** Throws BAD_REQUEST, naming the file, when `model` cannot take one of `files`. */
export function checkModelTakes(model: ModelInfo, files: readonly FileRef[]) {
  for (const file of files) {
    if (isImageType(file.mimeType)) {
      if (!model.capabilities.vision) {
        throw badRequest(
          `${model.name} cannot read images ("${file.name}"). Pick a model that accepts images, or remove the image.`,
        );
      }
    } else if (!isTextType(file.mimeType) && file.mimeType !== PDF) {
      throw badRequest(
        `${model.name} cannot read ${describeType(file.mimeType)} ("${file.name}"); models are sent images and text files only. Remove it to send this message.`,
      );
    }
  }
}

/**
 * The parts `files` become in a user message, in order (checked by checkModelTakes first):
 * PDFs as the text of at most `source.pdfMaxPages` pages.
 */
export async function attachmentParts(
  files: readonly FileRef[],
  source: Pick<FileService, "bytesOf" | "pdfMaxPages">,
): Promise<PromptPart[]> {
  return Promise.all(
    files.map(async (file): Promise<PromptPart> => {
      const stored = await source.bytesOf(file);
      // A row without bytes is a broken store, not the caller's mistake.
      if (!stored) throw new Error(`the bytes of file ${file.sha256} are missing from the store`);
      if (isImageType(stored.mimeType)) {
        const { mimeType } = stored;
        return {
          type: "image",
          url: imageDataUrl(mimeType, stored.bytes),
          file: { sha256: file.sha256, mimeType },
        };
      }
      if (stored.mimeType === PDF) {
        const pdf = await pdfText(file.sha256, stored.bytes, source.pdfMaxPages);
        return { type: "text", text: documentOf(file.name, pdf.text, pdf.pages) };
      }
      const text = new TextDecoder().decode(stored.bytes);
      return { type: "text", text: documentOf(file.name, text) };
    }),
  );
}

/** How an image is sent: a base64 `data:` URL (also how a recorded prompt's references expand). */
export function imageDataUrl(mimeType: string, bytes: Uint8Array): string {
  return `data:${mimeType};base64,${Buffer.from(bytes).toString("base64")}`;
}

/** A user message's content: its files first, then what the user wrote (a string when no files). */
export function userContent(text: string, parts: readonly PromptPart[]): string | PromptPart[] {
  if (parts.length === 0) return text;
  return [...parts, ...(text.trim() === "" ? [] : [{ type: "text" as const, text }])];
}

function documentOf(name: string, text: string, pages?: number): string {
  const attribute = name.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  const counted = pages === undefined ? "" : ` pages="${pages}"`;
  return `<document name="${attribute}"${counted}>\n${text}\n</document>`;
}

function describeType(mimeType: string): string {
  if (mimeType === "application/pdf") return "PDF files";
  return `files of type ${mimeType}`;
}
