// A conversation's branch as a Markdown document for people to read (not to import again).

import type { FileRef, Message, Role } from "@parley/shared";

export interface MarkdownMessage
  extends Pick<
      Message,
      "id" | "parentId" | "role" | "content" | "reasoning" | "interrupted" | "error"
    >,
    Partial<Pick<Message, "toolRounds">> {
  files: readonly Pick<FileRef, "name">[];
}

export interface MarkdownConversation {
  title: string;
  /** The model's name as people know it. */
  modelName: string;
  systemPrompt: string;
  createdAt: Date;
  /** The branch to write, root first. */
  branch: readonly MarkdownMessage[];
}

const HEADINGS: Record<Role, string> = { user: "You", assistant: "Assistant", system: "System" };

/** One conversation: its title, model and system prompt, then one section per message. */
export function conversationMarkdown(conversation: MarkdownConversation): string {
  const lines = [
    `# ${oneLine(conversation.title) || "New chat"}`,
    "",
    `- Model: ${oneLine(conversation.modelName)}`,
    `- Started: ${conversation.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC`,
  ];
  if (conversation.systemPrompt.trim()) {
    lines.push("", "**System prompt**", "", quote(conversation.systemPrompt));
  }
  for (const message of conversation.branch) {
    lines.push("", `## ${HEADINGS[message.role]}`, "");
    if (message.reasoning.trim()) {
      lines.push("<details><summary>Reasoning</summary>", "", message.reasoning.trim(), "");
      lines.push("</details>", "");
    }
    const calls = (message.toolRounds ?? []).flatMap((round) => round.calls);
    if (calls.length > 0) {
      lines.push("<details><summary>Tool calls</summary>", "");
      for (const call of calls) {
        lines.push(
          `- \`${call.tool}\` ${call.ok ? "" : "(failed) "}with \`${oneLine(call.arguments)}\``,
        );
        lines.push("", quote(call.content), "");
      }
      lines.push("</details>", "");
    }
    if (message.content.trim()) lines.push(message.content.trim(), "");
    if (message.files.length > 0) {
      const names = message.files.map((file) => `\`${file.name.replace(/`/g, "'")}\``);
      lines.push(`Attachments: ${names.join(", ")}`, "");
    }
    if (message.error) lines.push(quote(`**Error:** ${message.error}`), "");
    else if (message.interrupted) lines.push("*(The answer was cut short.)*", "");
    // One blank line between blocks, however the message ended.
    while (lines.at(-1) === "") lines.pop();
  }
  return `${lines.join("\n")}\n`;
}

/** Several conversations in one document, each in turn. */
export function documentMarkdown(conversations: readonly MarkdownConversation[]): string {
  return conversations.map(conversationMarkdown).join("\n---\n\n");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function quote(text: string): string {
  return text
    .trim()
    .split("\n")
    .map((line) => (line ? `> ${line}` : ">"))
    .join("\n");
}
