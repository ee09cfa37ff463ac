// A ChatGPT data export's conversations.json, written by hand in the shape ChatGPT exports:
// a null-message root, hidden system scaffolding, an edited question (two branches), a
// regenerated answer, an image with a question, a web search (tool call and tool result), a
// visible system message, reasoning "thoughts", a Python run between two parts of an answer,
// and a conversation with nothing but a picture in it.

/** Seconds since 1970, as ChatGPT writes times. */
const T0 = 1_717_236_000.123; // 2024-06-01 10:00:00.123 UTC

export interface NodeSpec {
  id: string;
  parent: string | null;
  children: string[];
  role?: "system" | "user" | "assistant" | "tool";
  /** Seconds after T0; null for ChatGPT's null create_time. */
  at?: number | null;
  content?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  recipient?: string;
}

function node(spec: NodeSpec) {
  return {
    id: spec.id,
    message: spec.role
      ? {
          id: spec.id,
          author: {
            role: spec.role,
            name: spec.role === "tool" ? "browser" : null,
            metadata: {},
          },
          create_time: spec.at === null || spec.at === undefined ? null : T0 + spec.at,
          update_time: null,
          content: spec.content,
          status: "finished_successfully",
          end_turn: spec.role === "assistant" ? true : null,
          weight: 1.0,
          metadata: spec.metadata ?? {},
          recipient: spec.recipient ?? "all",
          channel: null,
        }
      : null,
    parent: spec.parent,
    children: spec.children,
  };
}

const text = (...parts: string[]) => ({ content_type: "text", parts });

export function conversation(spec: {
  id: string;
  title: string;
  created: number;
  updated: number;
  currentNode: string;
  model: string;
  nodes: NodeSpec[];
}) {
  return {
    title: spec.title,
    create_time: T0 + spec.created,
    update_time: T0 + spec.updated,
    mapping: Object.fromEntries(spec.nodes.map((n) => [n.id, node(n)])),
    moderation_results: [],
    current_node: spec.currentNode,
    plugin_ids: null,
    conversation_id: spec.id,
    conversation_template_id: null,
    gizmo_id: null,
    gizmo_type: null,
    is_archived: false,
    is_starred: null,
    safe_urls: [],
    default_model_slug: spec.model,
    conversation_origin: null,
    voice: null,
    async_status: null,
    disabled_tool_ids: [],
    id: spec.id,
  };
}

export const CHATGPT_SAMPLE = [
  conversation({
    id: "6650a1b2-0000-4000-8000-000000000001",
    title: "Lisbon weekend",
    created: 0,
    updated: 900,
    currentNode: "a-tower",
    model: "gpt-4o",
    nodes: [
      { id: "root-1", parent: null, children: ["sys-1"] },
      {
        id: "sys-1",
        parent: "root-1",
        children: ["u-three", "u-four"],
        role: "system",
        at: null,
        content: text(""),
        metadata: { is_visually_hidden_from_conversation: true },
      },
      {
        id: "u-three",
        parent: "sys-1",
        children: ["a-three", "a-three-again"],
        role: "user",
        at: 10,
        content: text("Plan three days in Lisbon."),
        metadata: { request_id: "8a1b", message_source: null },
      },
      {
        id: "a-three",
        parent: "u-three",
        children: [],
        role: "assistant",
        at: 12,
        content: text("Day 1: Alfama and the castle. Day 2: Belém. Day 3: Sintra."),
        metadata: { model_slug: "gpt-4o", finish_details: { type: "stop" } },
      },
      {
        // A regenerated answer: a second child of the same question.
        id: "a-three-again",
        parent: "u-three",
        children: [],
        role: "assistant",
        at: 60,
        content: text("Three days: **Alfama**, **Belém**, then a day trip to **Sintra**."),
        metadata: { model_slug: "gpt-4o", finish_details: { type: "stop" } },
      },
      {
        // The question edited: a sibling of the original under the same parent.
        id: "u-four",
        parent: "sys-1",
        children: ["a-four"],
        role: "user",
        at: 120,
        content: text("Plan four days in Lisbon."),
      },
      {
        id: "a-four",
        parent: "u-four",
        children: ["u-photo"],
        role: "assistant",
        at: 125,
        content: text("Four days: Alfama, Baixa, Belém and Sintra."),
        metadata: { model_slug: "gpt-4o", finish_details: { type: "stop" } },
      },
      {
        id: "u-photo",
        parent: "a-four",
        children: ["a-search"],
        role: "user",
        at: 600,
        content: {
          content_type: "multimodal_text",
          parts: [
            {
              content_type: "image_asset_pointer",
              asset_pointer: "file-service://file-AbC123",
              size_bytes: 183_012,
              width: 1024,
              height: 768,
              fovea: null,
              metadata: null,
            },
            "What is this building?",
          ],
        },
        metadata: { attachments: [{ id: "file-AbC123", name: "IMG_2041.jpeg" }] },
      },
      {
        id: "a-search",
        parent: "u-photo",
        children: ["tool-result"],
        role: "assistant",
        at: 602,
        content: {
          content_type: "code",
          language: "unknown",
          text: 'search("tower Lisbon river")',
        },
        metadata: { model_slug: "gpt-4o" },
        recipient: "browser",
      },
      {
        id: "tool-result",
        parent: "a-search",
        children: ["a-tower"],
        role: "tool",
        at: 604,
        content: {
          content_type: "tether_browsing_display",
          result: "Belém Tower ...",
          summary: null,
        },
      },
      {
        id: "a-tower",
        parent: "tool-result",
        children: [],
        role: "assistant",
        at: 606,
        content: text("That is the Belém Tower, a 16th-century fortification on the Tagus."),
        metadata: { model_slug: "gpt-4o", finish_details: { type: "stop" } },
      },
    ],
  }),
  conversation({
    id: "6650a1b2-0000-4000-8000-000000000002",
    title: "Reverse a list in Python",
    created: 3_600,
    updated: 3_700,
    currentNode: "a-more",
    model: "o1",
    nodes: [
      { id: "root-2", parent: null, children: ["sys-2"] },
      {
        // A system message people could see (not hidden): left out, and said so.
        id: "sys-2",
        parent: "root-2",
        children: ["u-reverse"],
        role: "system",
        at: 3_600,
        content: text("You are a helpful Python tutor."),
      },
      {
        id: "u-reverse",
        parent: "sys-2",
        children: ["thoughts"],
        role: "user",
        at: 3_610,
        content: text("How do I reverse a list?"),
      },
      {
        id: "thoughts",
        parent: "u-reverse",
        children: ["a-reverse"],
        role: "assistant",
        at: 3_612,
        content: {
          content_type: "thoughts",
          thoughts: [{ summary: "Options", content: "reversed(), slicing, list.reverse()" }],
          source_analysis_msg_id: "x",
        },
        metadata: { model_slug: "o1" },
      },
      {
        id: "a-reverse",
        parent: "thoughts",
        children: ["a-run"],
        role: "assistant",
        at: 3_615,
        content: text("Use `items[::-1]` for a copy, or `items.reverse()` in place."),
        metadata: { model_slug: "o1" },
      },
      {
        id: "a-run",
        parent: "a-reverse",
        children: ["run-output"],
        role: "assistant",
        at: 3_616,
        content: { content_type: "code", language: "python", text: "print([1, 2, 3][::-1])" },
        metadata: { model_slug: "o1" },
        recipient: "python",
      },
      {
        id: "run-output",
        parent: "a-run",
        children: ["a-more"],
        role: "tool",
        at: 3_617,
        content: { content_type: "execution_output", text: "[3, 2, 1]" },
      },
      {
        id: "a-more",
        parent: "run-output",
        children: [],
        role: "assistant",
        at: 3_618,
        content: text("Running it prints `[3, 2, 1]`."),
        metadata: { model_slug: "o1", finish_details: { type: "interrupted" } },
      },
    ],
  }),
  conversation({
    id: "6650a1b2-0000-4000-8000-000000000003",
    title: "A photo",
    created: 7_200,
    updated: 7_200,
    currentNode: "u-only-photo",
    model: "gpt-4o",
    nodes: [
      { id: "root-3", parent: null, children: ["u-only-photo"] },
      {
        id: "u-only-photo",
        parent: "root-3",
        children: [],
        role: "user",
        at: 7_200,
        content: {
          content_type: "multimodal_text",
          parts: [
            { content_type: "image_asset_pointer", asset_pointer: "file-service://file-Xy9" },
          ],
        },
      },
    ],
  }),
];

/** When a sample message was written, as Parley stores it. */
export function sampleTime(secondsAfterStart: number): Date {
  return new Date(Math.round((T0 + secondsAfterStart) * 1000));
}
