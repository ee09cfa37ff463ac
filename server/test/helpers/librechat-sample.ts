// LibreChat conversation exports (a conversation's menu → Export → JSON), written by hand in the
// shapes its exporter writes: the flat list (every message names its `parentMessageId`, the
// all-zero id at the root) with branches and options, and the tree (`recursive`), nested through
// `children`: in `messagesTree` (older versions) or in `messages` (newer ones). Times are ISO
// strings; messages in a tree often lack them.

const NO_PARENT = "00000000-0000-0000-0000-000000000000";
const CONVERSATION = "4a86c40e-e627-4454-b158-889680e23ad3";

/** 2024-05-01 16:35:00 UTC, plus seconds. */
export function librechatTime(seconds: number): Date {
  return new Date(Date.UTC(2024, 4, 1, 16, 35, seconds));
}
const at = (seconds: number) => librechatTime(seconds).toISOString();

function message(
  messageId: string,
  parentMessageId: string,
  byUser: boolean,
  text: string,
  seconds: number | null,
  extra: Record<string, unknown> = {},
) {
  return {
    _id: `mongo-${messageId}`,
    messageId,
    __v: 0,
    conversationId: CONVERSATION,
    ...(seconds === null ? {} : { createdAt: at(seconds), updatedAt: at(seconds + 1) }),
    endpoint: "openAI",
    error: false,
    isCreatedByUser: byUser,
    model: byUser ? null : "gpt-4o",
    parentMessageId,
    sender: byUser ? "User" : "Travel Agent",
    text,
    tokenCount: 10,
    unfinished: false,
    user: "64d4f005d73ef522e1f48818",
    ...extra,
  };
}

/**
 * Flat, with branches: a question, its answer and a regenerated one (another model), a
 * follow-up whose answer failed, an agent's answer with reasoning and a tool call in its
 * content parts, an image the user attached, an answer cut short, and a message whose parent
 * is not in the file.
 */
export const LIBRECHAT_FLAT = {
  conversationId: CONVERSATION,
  endpoint: "openAI",
  title: "Trip to Kyoto",
  exportAt: "16:40:12 GMT+0000 (Coordinated Universal Time)",
  branches: true,
  recursive: false,
  options: {
    presetId: null,
    model: "gpt-4o",
    chatGptLabel: "Travel Agent",
    promptPrefix: "Answer like a travel agent.",
    temperature: 0.8,
    top_p: 1,
    endpoint: "openAI",
    title: "Trip to Kyoto",
  },
  messages: [
    message("m1", NO_PARENT, true, "Plan a day in Kyoto.", 0),
    message("m2", "m1", false, "Morning at Fushimi Inari, afternoon in Gion.", 5, {
      finish_reason: "stop",
    }),
    message("m3", "m1", false, "Start at Kinkaku-ji, then Arashiyama.", 40, {
      model: "gpt-4o-mini",
    }),
    message("m4", "m2", true, "Where should we eat?", 60),
    message("m5", "m4", false, "Error: 429 Rate limit reached for gpt-4o.", 61, { error: true }),
    message("m6", "m4", false, "", 90, {
      content: [
        { type: "think", think: "They want food near Gion." },
        {
          type: "tool_call",
          tool_call: { id: "call_1", name: "web_search", args: '{"q":"Gion dinner"}' },
        },
        { type: "text", text: "Try Pontocho Alley for dinner." },
      ],
    }),
    message("m7", "m6", true, "And this temple?", 120, {
      files: [{ file_id: "f1", filepath: "/images/temple.png", type: "image/png" }],
    }),
    message("m8", "m7", false, "That is Kiyomizu-dera, on the eastern", 125, {
      unfinished: true,
    }),
    message("m9", "deleted-message", true, "Is the JR pass worth it?", 300),
  ],
};

/** A tree export from an older version: `messagesTree`, times only on the first messages. */
export const LIBRECHAT_TREE = {
  conversationId: CONVERSATION,
  endpoint: "openAI",
  title: "Python virtual environment",
  exportAt: "13:18:04 GMT-0400 (Eastern Daylight Time)",
  branches: true,
  recursive: true,
  options: { model: "gpt-4-turbo", promptPrefix: "You are an expert software engineer." },
  messagesTree: [
    {
      ...message("t1", NO_PARENT, true, "How do I activate a venv?", 0),
      children: [
        {
          ...message("t2", "t1", false, "Run `source venv/bin/activate`.", 2),
          children: [
            {
              ...message("t3", "t2", true, "thanks", null),
              children: [
                { ...message("t4", "t3", false, "You're welcome! Good luck.", null), children: [] },
                {
                  ...message("t5", "t3", false, "You're welcome! Happy coding.", null),
                  children: [],
                },
              ],
            },
            {
              ...message("t6", "t2", true, "lol", null),
              children: [
                { ...message("t7", "t6", false, "Glad it amused you!", null), children: [] },
              ],
            },
          ],
        },
      ],
    },
  ],
};

/** A tree export from a newer version: nested `messages`, with no parent ids at all. */
export const LIBRECHAT_NESTED = {
  conversationId: "nested-1",
  endpoint: "agents",
  title: "Haiku",
  exportAt: "09:00:00 GMT+0000",
  branches: false,
  recursive: true,
  messages: [
    {
      messageId: "n1",
      isCreatedByUser: true,
      sender: "User",
      text: "Write a haiku about rain.",
      createdAt: at(1000),
      children: [
        {
          messageId: "n2",
          isCreatedByUser: false,
          sender: "Agent",
          model: "claude-3-5-sonnet",
          text: "",
          content: [{ type: "text", text: { value: "Soft rain on the roof" } }],
          createdAt: at(1003),
          children: [],
        },
      ],
    },
  ],
};
