import {
  buildTree,
  type FileRef,
  type MessagePromptOutput,
  ModelParameters,
  pathTo,
  RecordedPrompt,
  type SendMessageInput,
  type SendMessageOutput,
  subtree,
  type Tree,
  type UsageLimits,
} from "@parley/shared";
import type { NewGuest } from "../auth/identity.ts";
import type { Db } from "../db/client.ts";
import { badRequest, DomainError, limitReached, modelUnavailable, notFound } from "../errors.ts";
import type { FileService } from "../files/service.ts";
import type { ModelRegistry } from "../llm/registry.ts";
import { buildRequest, type PromptMessage, type PromptPart } from "../llm/stream.ts";
import { followUpRequests } from "../llm/tool-format.ts";
import type { Logger } from "../log.ts";
import { checkToolChoice, chooseTools, rememberTools } from "../tools/choice.ts";
import type { ToolService } from "../tools/service.ts";
import type { GenerationRunner } from "./generations/runner.ts";
import { newId } from "./ids.ts";
import { ownedConversation, storedRounds } from "./message-rows.ts";
import { newConversationSetup, noRoomForConversation } from "./new-conversations.ts";
import { attachmentParts, checkModelTakes, userContent } from "./prompt/attachments.ts";
import { promptMessages } from "./prompt/index.ts";
import { readRecordedPrompt, recordPrompt } from "./prompt/recorded.ts";
import { readForSend, type SendContext, type SendNode, SendRefused, writeSend } from "./sends.ts";
import { type SettingsService, settingsFromStored } from "./settings.ts";

export type MessageService = ReturnType<typeof createMessageService>;

/** What a send does to the tree, worked out before anything is written. */
export interface SendPlan {
  /** A new user message and where it goes (new, edit). */
  user?: { parentId: string | null; content: string };
  /** The parent of a new assistant message (retry), when there is no new user message. */
  answerParentId?: string;
  /** The assistant message that grows (continue). */
  continued?: SendNode;
  /** The existing messages the model sees (then the new user message, if any), oldest first. */
  path: SendNode[];
}

/** What the message service is built from (service.ts composes them). */
export interface MessageDeps {
  db: Db;
  models: ModelRegistry;
  runner: GenerationRunner;
  limits: UsageLimits;
  /** Attachments: who may attach what, and their bytes for prompts. */
  files: FileService;
  /** The tools models may call (none when omitted). */
  tools?: ToolService;
  /** The owner's settings: a new conversation's model and system prompt. */
  settings: Pick<SettingsService, "get">;
}

export function createMessageService(deps: MessageDeps) {
  const { db, models, runner, limits, files, tools, settings } = deps;

  /**
   * A send is one read (readForSend) and one write (writeSend); the upstream request starts
   * before the write, and its answer is kept back until the write commits. `admit` runs once
   * the send is known to be valid and before anything is written: the place for rate limits,
   * so a refused or invalid send costs nothing. `guestLimit` is what a guest may send in all
   * (undefined: not counted).
   */
  async function send(
    ownerId: string,
    input: SendMessageInput,
    context: {
      log: Logger;
      admit?: () => Promise<void>;
      guest?: boolean;
      guestLimit?: number;
      /** The owner was made by this request: it has no settings to read. */
      ownerIsNew?: boolean;
      /**
       * The owner is a guest made by this request and not written yet: the send's write makes
       * it (and nothing makes it if the send is refused); `saved` is told once it is written.
       */
      newGuest?: Pick<NewGuest, "rows"> & { saved(): void };
    },
  ): Promise<SendMessageOutput> {
    const conversation = input.newConversation
      ? await conversationToStart(ownerId, input.conversationId, input.newConversation, context)
      : await readForSend(db, ownerId, input.conversationId);
    if (!conversation) throw notFound("conversation");
    const route = models.route(conversation.model);
    if (!route) {
      throw badRequest(
        `The model "${conversation.model}" is no longer available; pick another for this conversation.`,
      );
    }
    // Its provider is down: refused at once, nothing written.
    const down = models.unavailable(conversation.model);
    if (down) throw modelUnavailable(conversation.model, down);
    const tree = buildTree(conversation.messages);
    const plan = planSend(tree, input);

    const added = (plan.user ? 1 : 0) + (plan.continued ? 0 : 1);
    if (conversation.messages.length + added > limits.messagesPerConversation) {
      throw limitReached(
        `This conversation has reached the limit of ${limits.messagesPerConversation} messages; start a new conversation.`,
      );
    }
    // The answer would read text that is still being written.
    const pathEnd = plan.continued?.id ?? plan.answerParentId ?? plan.user?.parentId ?? null;
    if (await runner.writing(pathTo(tree, pathEnd).map((node) => node.id))) {
      throw new DomainError(
        "conflict",
        "An answer on this branch is still being written; wait for it or stop it.",
      );
    }

    // Every file the model would read: the new message's, and those earlier on the branch.
    const attached = plan.user && input.files?.length ? await attachable(ownerId, input) : [];
    checkModelTakes(route.info, [...plan.path.flatMap((node) => node.files), ...attached]);

    checkToolChoice(tools, input.tools, route.info, context.guest ?? false);

    await context.admit?.();
    const messages = await promptOf(plan, attached);
    const preferences = settingsFromStored(conversation.settings);
    const parameters = ModelParameters.parse({
      ...route.info.parameters,
      ...preferences.modelParameters[conversation.model],
    });
    const toolChoice = chooseTools(tools, {
      chosen: input.tools,
      remembered: conversation.tools,
      defaults: preferences.tools,
      model: route.info,
      guest: context.guest ?? false,
    });
    const request = buildRequest(route, {
      system: conversation.systemPrompt,
      messages,
      parameters,
      tools: toolChoice?.toolset.definitions,
    });

    const userMessageId = plan.user ? newId() : undefined;
    const assistantMessageId = plan.continued?.id ?? input.assistantMessageId ?? newId();
    const generation = runner.start({
      ownerId,
      conversationId: conversation.id,
      messageId: assistantMessageId,
      model: conversation.model,
      route,
      request,
      tools: toolChoice,
      base: {
        text: plan.continued?.content ?? "",
        reasoning: plan.continued?.reasoning ?? "",
        toolRounds: storedRounds(plan.continued?.toolRounds),
      },
      ...(conversation.title === "" && plan.user
        ? // A message of files alone is titled from their names.
          { titleFrom: plan.user.content.trim() || attached.map((file) => file.name).join(", ") }
        : {}),
      log: context.log,
    });
    try {
      await writeSend(db, {
        conversationId: conversation.id,
        ...(input.newConversation
          ? {
              start: {
                ownerId,
                model: conversation.model,
                systemPrompt: conversation.systemPrompt,
                limit: limits.conversationsPerOwner,
              },
            }
          : {}),
        ...rememberTools(input.tools),
        // A guest made with this send has sent nothing yet: its first message counts as it
        // is made. Any other guest's counts if it has some allowance left.
        ...(context.newGuest
          ? { guest: context.newGuest.rows(context.guestLimit === undefined ? 0 : 1) }
          : context.guestLimit !== undefined
            ? { guestAllowance: { userId: ownerId, limit: context.guestLimit } }
            : {}),
        ...(plan.user && userMessageId
          ? { user: { id: userMessageId, ...plan.user, files: attached } }
          : {}),
        answer: {
          id: assistantMessageId,
          parentId: userMessageId ?? plan.answerParentId ?? null,
          continues: plan.continued !== undefined,
          model: conversation.model,
          parameters: JSON.stringify(parameters),
          // As the JSON text sent: a jsonb object would reorder its keys, and the prompt is kept
          // byte for byte as the upstream received it; but images as references to their
          // files, which reading the prompt expands (each would otherwise be stored in every
          // later answer). The row says what a crash would leave: an interrupted answer.
          prompt: JSON.stringify(recordPrompt(request, messages)),
        },
      });
      context.newGuest?.saved();
      await generation.commit();
    } catch (error) {
      generation.abandon();
      throw refusal(error, { guestLimit: context.guestLimit, limits });
    }
    return {
      generationId: generation.generationId,
      assistantMessageId,
      ...(userMessageId ? { userMessageId } : {}),
    };
  }

  /**
   * A conversation that its first send makes: empty, with the owner's (or the asked) model and
   * system prompt. Nothing is read for an owner made by this request; else only its settings.
   */
  async function conversationToStart(
    ownerId: string,
    conversationId: string,
    wanted: NonNullable<SendMessageInput["newConversation"]>,
    { ownerIsNew = false }: { ownerIsNew?: boolean },
  ): Promise<SendContext> {
    const { model, systemPrompt, preferences } = await newConversationSetup(
      { models, settings },
      ownerId,
      wanted,
      ownerIsNew,
    );
    return {
      id: conversationId,
      title: "",
      model,
      systemPrompt,
      tools: null,
      settings: preferences,
      messages: [],
    };
  }

  /** The files of a new or edited message: each must be the caller's upload or in this conversation. */
  async function attachable(ownerId: string, input: SendMessageInput) {
    const { files: found, missing } = await files.attachable(
      ownerId,
      input.conversationId,
      input.files ?? [],
    );
    if (missing.length > 0) {
      // Whether someone else uploaded it is not the caller's business.
      throw new DomainError(
        "not_found",
        `No such file: ${missing.map((sha256) => sha256.slice(0, 12)).join(", ")}. Upload it first.`,
      );
    }
    return found;
  }

  /** The prompt's messages, with the files of each resolved into parts. */
  async function promptOf(plan: SendPlan, attached: readonly FileRef[]): Promise<PromptMessage[]> {
    const parts = new Map<string, PromptPart[]>();
    for (const node of plan.path) {
      if (node.files.length > 0) parts.set(node.id, await attachmentParts(node.files, files));
    }
    const messages = promptMessages(plan.path, parts);
    if (plan.user) {
      const own = await attachmentParts(attached, files);
      messages.push({ role: "user", content: userContent(plan.user.content, own) });
    }
    return messages;
  }

  async function remove(ownerId: string, input: { conversationId: string; messageId: string }) {
    await ownedConversation(db, ownerId, input.conversationId);
    const nodes = await db.message.findMany({
      where: { conversationId: input.conversationId },
      select: { id: true, parentId: true },
    });
    const tree = buildTree(nodes);
    if (!tree.byId.has(input.messageId)) throw notFound("message");
    const ids = new Set(subtree(tree, input.messageId).map((node) => node.id));
    await runner.stopWhere(ownerId, (generation) => ids.has(generation.messageId));
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
      select: { prompt: true, model: true, parameters: true, content: true, toolRounds: true },
    });
    if (!message) throw notFound("message");
    const recorded = RecordedPrompt.safeParse(await recordedJson(message.prompt, files.read));
    const parameters = ModelParameters.safeParse(message.parameters);
    return {
      prompt: recorded.success ? recorded.data : null,
      model: message.model,
      parameters: parameters.success ? parameters.data : null,
      toolRounds: recorded.success
        ? followUpRequests(recorded.data, message.content, storedRounds(message.toolRounds))
        : [],
    };
  }

  return { send, remove, prompt };
}

/** Checks a send against the tree and works out the new nodes and the prompt. */
export function planSend(tree: Tree<SendNode>, input: SendMessageInput): SendPlan {
  const target = input.messageId === undefined ? undefined : tree.byId.get(input.messageId);
  if (input.messageId !== undefined && !target) throw notFound("message");
  const content = input.content ?? "";

  switch (input.mode) {
    case "new": {
      const parentId = input.parentId ?? null;
      if (parentId !== null) {
        const parent = tree.byId.get(parentId);
        if (!parent) throw notFound("message");
        if (parent.role !== "assistant") throw badRequest("A new message goes under an answer.");
      }
      return { user: { parentId, content }, path: pathTo(tree, parentId) };
    }
    case "retry": {
      const questionId = target?.role === "assistant" ? tree.parentOf(target.id) : target?.id;
      const question = questionId == null ? undefined : tree.byId.get(questionId);
      if (question?.role !== "user") {
        throw badRequest("Retry takes a user message, or an answer to one.");
      }
      return { answerParentId: question.id, path: pathTo(tree, question.id) };
    }
    case "edit": {
      if (target?.role !== "user") throw badRequest("Only user messages can be edited.");
      return {
        user: { parentId: target.parentId, content },
        path: pathTo(tree, target.parentId),
      };
    }
    case "continue": {
      if (target?.role !== "assistant") throw badRequest("Only answers can be continued.");
      if (tree.childrenOf(target.id).length > 0) {
        throw badRequest("Only the last answer of a branch can be continued.");
      }
      return { continued: target, path: pathTo(tree, target.id) };
    }
  }
}

/** What a refused write means for the caller. */
function refusal(
  error: unknown,
  { guestLimit, limits }: { guestLimit: number | undefined; limits: UsageLimits },
): unknown {
  if (!(error instanceof SendRefused)) return error;
  switch (error.reason) {
    case "guest-allowance":
      return limitReached(
        `Guests can send ${guestLimit} messages. Sign in or create an account to keep chatting.`,
      );
    case "no-room":
      return noRoomForConversation(limits);
    case "id-taken":
      return new DomainError(
        "conflict",
        "An id chosen for this send (conversationId of a new conversation, or assistantMessageId) is already taken; choose a new one.",
      );
    case "gone":
      return notFound("message");
  }
}

/**
 * A recorded prompt: JSON text (how prompts are stored; see recordPrompt), parsed with its file
 * references expanded, or an object (older rows).
 */
async function recordedJson(value: unknown, read: FileService["read"]): Promise<unknown> {
  if (typeof value !== "string") return value;
  try {
    return await readRecordedPrompt(value, read);
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}
