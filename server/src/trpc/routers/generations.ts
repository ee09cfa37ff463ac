import { GenerationIdInput, GenerationStreamInput, StopGenerationOutput } from "@parley/shared";
import { tracked } from "@trpc/server";
import type { StreamedEvent } from "../../chat/generations/stream.ts";
import { ownerProcedure, router } from "../init.ts";

/** A streamed event's id, `<generationId>:<seq>`: what a reconnecting client resumes after. */
function trackedEvent({ generationId, seq, event }: StreamedEvent) {
  // An event with no seq ends the stream and cannot be resumed after.
  return tracked(`${generationId}:${seq ?? "end"}`, event);
}

export const generationsRouter = router({
  stream: ownerProcedure
    .meta({
      description:
        "A generation's events (tracked `<generationId>:<seq>`), by generationId or by the messageId it writes (waiting for it to begin): replays after lastEventId, then follows to `final` or `error`.",
    })
    .input(GenerationStreamInput)
    .subscription(async function* ({ ctx, input, signal }) {
      const events = ctx.chat.generations.stream(
        ctx.owner.id,
        input,
        signal ?? new AbortController().signal,
        ctx.log,
      );
      for await (const event of events) yield trackedEvent(event);
    }),

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
