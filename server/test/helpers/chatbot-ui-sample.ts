// chatbot-ui's export (Settings → Export data), written by hand in the shape its exporter
// writes: `{ version: 4, history, folders, prompts }`. Conversations are one line of
// `{ role, content }` messages with the model, the system prompt (`prompt`) and temperature; no
// times, no branches. Odd cases: a system message in the line, a role Parley does not know, an
// empty message, and a conversation with no messages.

const gpt4 = { id: "gpt-4", name: "GPT-4", maxLength: 24000, tokenLimit: 8000 };

export const CHATBOT_UI_SAMPLE = {
  version: 4,
  history: [
    {
      id: "493cb218-9ebb-4d35-af8b-5aded3f351be",
      name: "Binary search in Go",
      messages: [
        { role: "user", content: "Write a binary search in Go." },
        { role: "assistant", content: "```go\nfunc search(xs []int, x int) int { … }\n```" },
        { role: "user", content: "Now make it generic." },
        { role: "assistant", content: "Use `[T cmp.Ordered]` as the type parameter." },
      ],
      model: gpt4,
      prompt: "You are a careful programmer.",
      temperature: 0.5,
      folderId: null,
    },
    {
      id: "f883fb40-6e5c-45fd-92d4-883a5595560f",
      name: "Odd one",
      messages: [
        { role: "system", content: "Reply in French." },
        { role: "user", content: "Hello" },
        { role: "function", content: '{"weather":"sunny"}' },
        { role: "assistant", content: "" },
        { role: "assistant", content: "Bonjour !" },
      ],
      model: { id: "gpt-3.5-turbo", name: "GPT-3.5" },
      prompt: "",
      temperature: 1,
      folderId: "cdc857de-e669-498d-8fac-edc4995c9d7a",
    },
    {
      id: "0d5f3a10-0000-4000-8000-000000000003",
      name: "New Conversation",
      messages: [],
      model: gpt4,
      prompt: "You are ChatGPT.",
      temperature: 1,
      folderId: null,
    },
  ],
  folders: [{ id: "cdc857de-e669-498d-8fac-edc4995c9d7a", name: "French", type: "chat" }],
  prompts: [],
};

/** The oldest shape (version 1): the list of conversations alone, ids as numbers. */
export const CHATBOT_UI_V1 = [
  {
    id: 1,
    name: "Haiku",
    messages: [
      { role: "user", content: "A haiku about tea?" },
      { role: "assistant", content: "Steam curls from the cup" },
    ],
  },
];
