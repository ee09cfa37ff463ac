import { GenerationIdInput, GenerationStreamInput, StopGenerationOutput } from "@parley/shared";
import { ownerProcedure, router } from "../init.ts";

export const generationsRouter = router({
  stream: ownerProcedure
    .meta({
      description:
        "A generation's events (tracked `<generationId>:<seq>`): replays after lastEventId, then follows to `final` or `error`.",
    })
    .input(GenerationStreamInput)
    .subscription(({ ctx, input, signal }) =>
      ctx.chat.generations.stream(
        ctx.owner.id,
        input,
        signal ?? new AbortController().signal,
        ctx.log,
      ),
    ),

  stop: ownerProcedure
    .meta({ description: "Stop a generation; the partial answer is kept, marked interrupted." })
    .input(GenerationIdInput)
    .output(StopGenerationOutput)
    .mutation(({ ctx, input }) => ctx.chat.generations.stop(ctx.owner.id, input.generationId)),

  active: ownerProcedure
    .meta({ description: "Your running generations: the current set, then every change." })
    .subscription(({ ctx, signal }) =>
      ctx.chat.generations.watchActive(ctx.owner.id, signal ?? new AbortController().signal),
    ),
});
