import { ModelsListInput, ModelsListOutput } from "@parley/shared";
import { publicProcedure, router } from "../init.ts";

export const modelsRouter = router({
  list: publicProcedure
    .meta({ description: "The configured models, their capabilities and default parameters." })
    .input(ModelsListInput)
    .output(ModelsListOutput)
    .query(({ ctx, input }) => {
      const all = ctx.models.list();
      const capability = input?.capability;
      if (!capability) return all;
      return { ...all, models: all.models.filter((model) => model.capabilities[capability]) };
    }),
});
