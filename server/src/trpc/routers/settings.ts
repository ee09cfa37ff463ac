import { Settings, SettingsUpdateInput } from "@parley/shared";
import { ownerProcedure, router } from "../init.ts";

export const settingsRouter = router({
  get: ownerProcedure
    .meta({ description: "Your settings (a guest's are kept with the guest session)." })
    .output(Settings)
    .query(({ ctx }) => ctx.chat.settings.get(ctx.owner.id)),

  update: ownerProcedure
    .meta({ description: "Change some settings; fields left out stay as they are." })
    .input(SettingsUpdateInput)
    .output(Settings)
    .mutation(({ ctx, input }) => ctx.chat.settings.update(ctx.owner.id, input)),
});
