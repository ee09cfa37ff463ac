import { z } from "zod";

/** A file's id: the lowercase hex SHA-256 of its bytes (the same bytes are stored once). */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase hex SHA-256");
export type Sha256 = z.infer<typeof Sha256>;

/** An uploaded file as messages, shares and exports refer to it. */
export const FileRef = z.object({
  sha256: Sha256,
  /** The name it was uploaded or attached under (never a path). */
  name: z.string(),
  /** The type sniffed from its bytes when it was first stored. */
  mimeType: z.string(),
  size: z.number().int(),
});
export type FileRef = z.infer<typeof FileRef>;

/** The JSON body of a refused upload or download (Fastify's error shape). */
export const FileError = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
});
export type FileError = z.infer<typeof FileError>;
