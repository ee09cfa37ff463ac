// Ids for the rows the server creates (messages, conversations): UUIDv7, which sort by the time they were made (and,
// within one millisecond, by the order this process made them). Messages with the same
// `createdAt` are ordered by id, so a message made after another sorts after it.

import { randomBytes } from "node:crypto";

let lastMs = 0;
let sequence = 0;

export function newId(now: number = Date.now()): string {
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    sequence += 1;
    // 12 bits of sequence per millisecond; past that, borrow the next millisecond.
    if (sequence > 0xfff) {
      ms += 1;
      sequence = 0;
    }
  } else {
    sequence = 0;
  }
  lastMs = ms;
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
