import { createHash, randomBytes } from "node:crypto";

/** SHA-256 in hex: how session ids and token secrets are stored, so the database holds none. */
export function sha256(value: string) {
  return createHash("sha256").update(value).digest("hex");
}

/** A random secret of `bytes` bytes, base64url. */
export function randomSecret(bytes = 32) {
  return randomBytes(bytes).toString("base64url");
}
