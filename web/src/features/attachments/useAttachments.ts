import { FILE_LIMITS, type FileRef } from "@parley/shared";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { UploadFailed, uploadFile } from "./upload.ts";

/** A file on its way into the next message. */
export interface Attachment {
  /** A key for this page only. */
  key: number;
  name: string;
  size: number;
  /** The browser's guess until the server has sniffed the bytes. */
  type: string;
  /** Fraction uploaded, 0 to 1. */
  progress: number;
  /** Set once stored: what the message will refer to. */
  ref: FileRef | null;
}

let nextKey = 0;

/**
 * The composer's attachments: each file uploads as soon as it is added (so sending is quick),
 * refusals (too large, wrong type) become errors to show, and `ready` is what a send carries.
 */
export function useAttachments(initial: readonly FileRef[] = []) {
  const [items, setItems] = useState<Attachment[]>(() =>
    initial.map((ref) => ({
      key: nextKey++,
      name: ref.name,
      size: ref.size,
      type: ref.mimeType,
      progress: 1,
      ref,
    })),
  );
  const [errors, setErrors] = useState<string[]>([]);
  const uploads = useRef(new Map<number, AbortController>());

  // Leaving the page cancels what is still uploading.
  useEffect(() => {
    const running = uploads.current;
    return () => {
      for (const controller of running.values()) controller.abort();
    };
  }, []);

  const update = useCallback((key: number, change: Partial<Attachment>) => {
    setItems((current) =>
      current.map((item) => (item.key === key ? { ...item, ...change } : item)),
    );
  }, []);

  const remove = useCallback((key: number) => {
    uploads.current.get(key)?.abort();
    uploads.current.delete(key);
    setItems((current) => current.filter((item) => item.key !== key));
  }, []);

  const add = useCallback(
    (files: Iterable<File>) => {
      setErrors([]);
      const room = FILE_LIMITS.perMessage - items.length;
      const chosen = [...files];
      if (chosen.length > room) {
        setErrors([`A message can carry at most ${FILE_LIMITS.perMessage} files.`]);
      }
      for (const file of chosen.slice(0, Math.max(0, room))) {
        const key = nextKey++;
        const controller = new AbortController();
        uploads.current.set(key, controller);
        setItems((current) => [
          ...current,
          { key, name: file.name, size: file.size, type: file.type, progress: 0, ref: null },
        ]);
        uploadFile(file, {
          signal: controller.signal,
          onProgress: (progress) => update(key, { progress }),
        }).then(
          (ref) => {
            uploads.current.delete(key);
            update(key, { progress: 1, ref });
          },
          (error: unknown) => {
            if (controller.signal.aborted) return;
            uploads.current.delete(key);
            setItems((current) => current.filter((item) => item.key !== key));
            const message =
              error instanceof UploadFailed ? error.message : `Uploading "${file.name}" failed.`;
            setErrors((current) => [...current, message]);
          },
        );
      }
    },
    [items.length, update],
  );

  /** After a send: the files went with the message. */
  const clear = useCallback(() => {
    setItems([]);
    setErrors([]);
  }, []);

  return useMemo(() => {
    const refs = items.flatMap((item) => (item.ref ? [item.ref] : []));
    // The same bytes added twice are one attachment.
    const ready = [...new Map(refs.map((ref) => [ref.sha256, ref])).values()];
    return {
      items,
      errors,
      ready,
      uploading: items.some((item) => item.ref === null),
      add,
      remove,
      clear,
      dismissErrors: () => setErrors([]),
    };
  }, [items, errors, add, remove, clear]);
}

export type Attachments = ReturnType<typeof useAttachments>;
