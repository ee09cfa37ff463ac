// An Open WebUI chat export (Settings → Chats → Export), written by hand in the shape its API
// returns chats: `{ id, user_id, title, chat, created_at, updated_at, … }`, times in seconds
// (the chat's own `timestamp` in milliseconds). In `chat.history.messages`: two models
// answering one question, reasoning inside an answer, a stopped answer, a pasted image (a data
// URL), an edited question whose answer failed, a message of a role Parley does not know with a
// reply under it, and an empty answer. Then a chat from an old version (a plain list of
// messages), a chat whose tree is broken (a missing parent, a loop), and one with only a system
// message.

/** 2024-07-26 13:20:00 UTC, in seconds as Open WebUI writes times. */
export const OWUI_T0 = 1_722_000_000;

/** A 1×1 PNG, as an Open WebUI user pastes it. */
export const OWUI_PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

interface Spec {
  id: string;
  parentId: string | null;
  role: string;
  content: string;
  at: number;
  extra?: Record<string, unknown>;
}

/** The history's message map, with each parent's `childrenIds` filled in. */
function history(specs: Spec[], currentId: string) {
  const messages: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    messages[spec.id] = {
      id: spec.id,
      parentId: spec.parentId,
      childrenIds: [],
      role: spec.role,
      content: spec.content,
      timestamp: OWUI_T0 + spec.at,
      ...spec.extra,
    };
  }
  for (const spec of specs) {
    const parent = spec.parentId === null ? undefined : messages[spec.parentId];
    if (parent) (parent.childrenIds as string[]).push(spec.id);
  }
  return { messages, currentId };
}

const answer = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  modelName: model === "llama3.1:8b" ? "Llama 3.1 8B" : "Qwen 2.5 7B",
  modelIdx: model === "llama3.1:8b" ? 0 : 1,
  userContext: null,
  done: true,
  ...extra,
});

const sourdough = history(
  [
    {
      id: "u1",
      parentId: null,
      role: "user",
      content: "How do I feed a sourdough starter?",
      at: 0,
      extra: { models: ["llama3.1:8b", "qwen2.5:7b"] },
    },
    {
      id: "a1",
      parentId: "u1",
      role: "assistant",
      content:
        '<details type="reasoning" done="true" duration="2">\n<summary>Thought for 2 seconds</summary>\n> The user asks how to feed a starter.\n> Keep it short &amp; practical.\n</details>\nEqual weights of flour and water, once a day.',
      at: 4,
      extra: answer("llama3.1:8b", {
        usage: { prompt_tokens: 21, completion_tokens: 12, total_tokens: 33 },
      }),
    },
    { id: "t1", parentId: "a1", role: "narrator", content: "(a scene change)", at: 10 },
    { id: "x1", parentId: "t1", role: "user", content: "And in winter?", at: 20 },
    {
      id: "a2",
      parentId: "u1",
      role: "assistant",
      content:
        'Feed it 1:1:1 by weight every 24 hours.\n<details type="tool_calls" done="true" id="call_1">\n<summary>Tool Executed</summary>\nconvert_units({"grams":50})\n</details>\n',
      at: 5,
      extra: answer("qwen2.5:7b"),
    },
    {
      id: "z1",
      parentId: "u1",
      role: "assistant",
      content: "",
      at: 6,
      extra: answer("qwen2.5:7b"),
    },
    {
      id: "u2",
      parentId: "a2",
      role: "user",
      content: "What does it look like when it is ready?",
      at: 60,
      extra: {
        files: [{ type: "image", url: `data:image/png;base64,${OWUI_PNG_BASE64}` }],
      },
    },
    {
      id: "a3",
      parentId: "u2",
      role: "assistant",
      content: "Bubbly and domed, about double",
      at: 65,
      extra: answer("qwen2.5:7b", { done: false }),
    },
    {
      id: "u3",
      parentId: "a2",
      role: "user",
      content: "How long until it is ready?",
      at: 120,
    },
    {
      id: "e1",
      parentId: "u3",
      role: "assistant",
      content: "",
      at: 121,
      extra: answer("qwen2.5:7b", { error: { content: "Ollama: model 'qwen2.5:7b' not found" } }),
    },
  ],
  "e1",
);

export const OPEN_WEBUI_SAMPLE = [
  {
    id: "8d5e2b7a-1c44-4f0e-9a57-2f1f7b9c0d11",
    user_id: "b06fefb8-0000-4000-8000-000000000001",
    title: "Sourdough starter",
    chat: {
      id: "",
      title: "Sourdough starter",
      models: ["llama3.1:8b", "qwen2.5:7b"],
      system: "You are a patient baker.",
      params: { temperature: 0.7 },
      history: sourdough,
      // Only the branch last shown; the history has them all.
      messages: [],
      tags: [],
      timestamp: OWUI_T0 * 1000,
      files: [],
    },
    updated_at: OWUI_T0 + 130,
    created_at: OWUI_T0,
    share_id: null,
    archived: false,
    pinned: false,
    meta: { tags: ["baking"] },
    folder_id: null,
  },
  {
    // An old export: the chat holds a plain list of messages, and no history.
    id: "legacy-1",
    user_id: "b06fefb8-0000-4000-8000-000000000001",
    title: "Old chat",
    chat: {
      title: "Old chat",
      models: ["mistral:7b"],
      messages: [
        { id: "l1", role: "user", content: "Say hi.", timestamp: OWUI_T0 + 3_600 },
        {
          id: "l2",
          role: "assistant",
          content: "Hi!",
          model: "mistral:7b",
          timestamp: OWUI_T0 + 3_601,
        },
      ],
    },
    updated_at: OWUI_T0 + 3_601,
    created_at: OWUI_T0 + 3_600,
  },
  {
    id: "broken-1",
    user_id: "b06fefb8-0000-4000-8000-000000000001",
    title: "Broken tree",
    chat: {
      title: "Broken tree",
      models: ["llama3.1:8b"],
      history: history(
        [
          { id: "b1", parentId: null, role: "user", content: "First question", at: 7_200 },
          {
            id: "b2",
            parentId: "b1",
            role: "assistant",
            content: "First answer",
            at: 7_201,
            extra: answer("llama3.1:8b"),
          },
          // Its parent was deleted from the history.
          { id: "b3", parentId: "gone", role: "user", content: "Orphan question", at: 7_210 },
          // Two messages that name each other as parent.
          { id: "c1", parentId: "c2", role: "user", content: "Loop one", at: 7_220 },
          { id: "c2", parentId: "c1", role: "user", content: "Loop two", at: 7_221 },
        ],
        "b2",
      ),
      timestamp: (OWUI_T0 + 7_200) * 1000,
    },
    updated_at: OWUI_T0 + 7_221,
    created_at: OWUI_T0 + 7_200,
  },
  {
    id: "system-only",
    title: "Only instructions",
    chat: {
      title: "Only instructions",
      models: [],
      history: history(
        [{ id: "s1", parentId: null, role: "system", content: "Be terse.", at: 9_000 }],
        "s1",
      ),
    },
    updated_at: OWUI_T0 + 9_000,
    created_at: OWUI_T0 + 9_000,
  },
];

export function owuiTime(secondsAfterStart: number): Date {
  return new Date((OWUI_T0 + secondsAfterStart) * 1000);
}
