import {
  type MessagePromptOutput,
  ModelParameters,
  RecordedPrompt,
  type SendMessageInput,
  type SendMessageOutput,
} from "@parley/shared";
import { TRPCError } from "@trpc/server";
import type { FastifyBaseLogger } from "fastify";
import type { Prisma } from "../db/generated/client.ts";
import { buildRequest, type PromptMessage } from "../llm/stream.ts";
import { badRequest, limitReached, notFound } from "./errors.ts";
import { promptMessages } from "./prompt.ts";
import { ownedConversation } from "./records.ts";
import type { ChatParts } from "./service.ts";
import { hasChildren, pathTo, subtree, type TreeNode, treeOf } from "./tree.ts";

export type MessageService = ReturnType<typeof createMessageService>;

/** What a send does to the tree, worked out before anything is written. */
interface SendPlan {
  /** A new user message and where it goes (new, edit). */
  user?: { parentId: string | null; content: string };
  /** The parent of a new assistant message (retry), when there is no new user message. */
  answerParentId?: string;
  /** The assistant message that grows (continue). */
  continued?: TreeNode & { reasoning: string };
  /** The conversation the model sees, oldest first. */
  messages: PromptMessage[];
}

export function createMessageService(deps: ChatParts) {
  const { db, models, settings, runner, limits } = deps;

  /**
   * `admit` runs once the send is known to be valid and before anything is written: the place
   * for rate limits and message allowances, so a refused or invalid send costs nothing.
   */
  async function send(
    ownerId: string,
    input: SendMessageInput,
    context: { log: FastifyBaseLogger; admit?: () => Promise<void> },
  ): Promise<SendMessageOutput> {
    const conversation = await ownedConversation(db, ownerId, input.conversationId);
    const route = models.route(conversation.model);
    if (!route) {
      throw badRequest(
        `The model "${conversation.model}" is no longer available; pick another for this conversation.`,
      );
    }
    const nodes = await db.message.findMany({
      where: { conversationId: conversation.id },
      select: { id: true, parentId: true, role: true, content: true, reasoning: true },
    });
    const tree = treeOf(nodes);
    const plan = planSend(tree, input);

    const added = (plan.user ? 1 : 0) + (plan.continued ? 0 : 1);
    if (nodes.length + added > limits.messagesPerConversation) {
      throw limitReached(
        `This conversation has reached the limit of ${limits.messagesPerConversation} messages; start a new conversation.`,
      );
    }
    // The answer would read text that is still being written.
    const pathEnd = plan.continued?.id ?? plan.answerParentId ?? plan.user?.parentId ?? null;
    if (pathTo(tree, pathEnd).some((node) => runner.generationFor(node.id))) {
      throw new TRPCError({
        code: "CONFLICT",
        message: "An answer on this branch is still being written; wait for it or stop it.",
      });
    }

    await context.admit?.();
    const preferences = await settings.get(ownerId);
    const parameters = ModelParameters.parse({
      ...route.info.parameters,
      ...preferences.modelParameters[conversation.model],
    });
    const request = buildRequest(route, {
      system: conversation.systemPrompt,
      messages: plan.messages,
      parameters,
    });
    const answer = {
      model: conversation.model,
      parameters: parameters as Prisma.InputJsonObject,
      prompt: request as unknown as Prisma.InputJsonObject,
      // Until the generation ends, the row says what a crash would leave: an interrupted answer.
      interrupted: true,
      error: null,
    };

    const { userMessageId, assistantMessageId } = await db.$transaction(async (tx) => {
      const user = plan.user
        ? await tx.message.create({
            data: {
              conversationId: conversation.id,
              parentId: plan.user.parentId,
              role: "user",
              content: plan.user.content,
            },
            select: { id: true },
          })
        : undefined;
      const assistant = plan.continued
        ? await tx.message.update({
            where: { id: plan.continued.id },
            data: answer,
            select: { id: true },
          })
        : await tx.message.create({
            data: {
              conversationId: conversation.id,
              parentId: user?.id ?? plan.answerParentId ?? null,
              role: "assistant",
              ...answer,
            },
            select: { id: true },
          });
      // Activity moves the conversation to the top of the list.
      await tx.conversation.update({
        where: { id: conversation.id },
        data: { updatedAt: new Date() },
      });
      return { userMessageId: user?.id, assistantMessageId: assistant.id };
    });

    const generationId = await runner.start({
      ownerId,
      conversationId: conversation.id,
      messageId: assistantMessageId,
      model: conversation.model,
      route,
      request,
      base: {
        text: plan.continued?.content ?? "",
        reasoning: plan.continued?.reasoning ?? "",
      },
      ...(conversation.title === "" && plan.user ? { titleFrom: plan.user.content } : {}),
      log: context.log,
    });
    return { generationId, assistantMessageId, ...(userMessageId ? { userMessageId } : {}) };
  }

  async function remove(ownerId: string, input: { conversationId: string; messageId: string }) {
    await ownedConversation(db, ownerId, input.conversationId);
    const nodes = await db.message.findMany({
      where: { conversationId: input.conversationId },
      select: { id: true, parentId: true, role: true, content: true },
    });
    const tree = treeOf(nodes);
    if (!tree.has(input.messageId)) throw notFound("message");
    const ids = new Set(subtree(tree, input.messageId));
    await runner.stopWhere((generation) => ids.has(generation.messageId));
    // Children go with their parent (ON DELETE CASCADE).
    await db.message.deleteMany({
      where: { id: input.messageId, conversationId: input.conversationId },
    });
    return { deleted: ids.size };
  }

  async function prompt(
    ownerId: string,
    input: { conversationId: string; messageId: string },
  ): Promise<MessagePromptOutput> {
    await ownedConversation(db, ownerId, input.conversationId);
    const message = await db.message.findFirst({
      where: { id: input.messageId, conversationId: input.conversationId },
      select: { prompt: true, model: true, parameters: true },
    });
    if (!message) throw notFound("message");
    const recorded = RecordedPrompt.safeParse(message.prompt);
    const parameters = ModelParameters.safeParse(message.parameters);
    return {
      prompt: recorded.success ? recorded.data : null,
      model: message.model,
      parameters: parameters.success ? parameters.data : null,
    };
  }

  return { send, remove, prompt };
}

/** Checks a send against the tree and works out the new nodes and the prompt. */
function planSend(
  tree: Map<string, TreeNode & { reasoning: string }>,
  input: SendMessageInput,
): SendPlan {
  const target = input.messageId === undefined ? undefined : tree.get(input.messageId);
  if (input.messageId !== undefined && !target) throw notFound("message");
  const content = input.content ?? "";

  switch (input.mode) {
    case "new": {
      const parentId = input.parentId ?? null;
      if (parentId !== null) {
        const parent = tree.get(parentId);
        if (!parent) throw notFound("message");
        if (parent.role !== "assistant") throw badRequest("A new message goes under an answer.");
      }
      const path = pathTo(tree, parentId);
      return {
        user: { parentId, content },
        messages: [...promptMessages(path), { role: "user", content }],
      };
    }
    case "retry": {
      const question =
        target?.role === "assistant" && target.parentId ? tree.get(target.parentId) : target;
      if (question?.role !== "user") {
        throw badRequest("Retry takes a user message, or an answer to one.");
      }
      return {
        answerParentId: question.id,
        messages: promptMessages(pathTo(tree, question.id)),
      };
    }
    case "edit": {
      if (target?.role !== "user") throw badRequest("Only user messages can be edited.");
      const path = pathTo(tree, target.parentId);
      return {
        user: { parentId: target.parentId, content },
        messages: [...promptMessages(path), { role: "user", content }],
      };
    }
    case "continue": {
      if (target?.role !== "assistant") throw badRequest("Only answers can be continued.");
      if (hasChildren(tree, target.id)) {
        throw badRequest("Only the last answer of a branch can be continued.");
      }
      return { continued: target, messages: promptMessages(pathTo(tree, target.id)) };
    }
  }
}
