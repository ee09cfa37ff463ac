import { DEFAULT_SETTINGS, Settings, type SettingsUpdateInput } from "@parley/shared";
import type { Db } from "../db/client.ts";
import type { Prisma } from "../db/generated/client.ts";
import { badRequest } from "../errors.ts";
import type { ModelRegistry } from "../llm/registry.ts";

export type SettingsService = ReturnType<typeof createSettingsService>;

/** Per-owner settings, stored as JSON and read back field by field through the shared schema. */
export function createSettingsService(deps: { db: Db; models: ModelRegistry }) {
  const { db, models } = deps;

  async function get(ownerId: string): Promise<Settings> {
    const row = await db.settings.findUnique({ where: { userId: ownerId } });
    return settingsFromStored(row?.data);
  }

  async function update(ownerId: string, patch: SettingsUpdateInput): Promise<Settings> {
    if (patch.defaultModel && !models.route(patch.defaultModel)) {
      throw badRequest(`Unknown model "${patch.defaultModel}".`);
    }
    const settings = Settings.parse({ ...(await get(ownerId)), ...definedOnly(patch) });
    const data = settings as unknown as Prisma.InputJsonObject;
    await db.settings.upsert({
      where: { userId: ownerId },
      create: { userId: ownerId, data },
      update: { data },
    });
    return settings;
  }

  return { get, update };
}

/** Stored settings, each field checked alone: one bad or outdated field falls back alone. */
export function settingsFromStored(data: unknown): Settings {
  const stored = data && typeof data === "object" ? (data as Record<string, unknown>) : {};
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [key, schema] of Object.entries(Settings.shape)) {
    const parsed = schema.safeParse(stored[key]);
    if (key in stored && parsed.success) settings[key] = parsed.data;
  }
  return settings as Settings;
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(patch).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
