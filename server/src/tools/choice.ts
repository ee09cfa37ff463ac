// Which tools one answer may call: the message's choice (checked, and remembered for the
// conversation), else the conversation's last choice, else the owner's default.

import { type ModelInfo, ToolSelection } from "@parley/shared";
import { badRequest, DomainError } from "../errors.ts";
import type { ToolLimits } from "./loop.ts";
import type { ToolService, Toolset } from "./service.ts";

/** The tools of one answer and the limits they run under. */
export interface ToolChoice {
  toolset: Toolset;
  limits: ToolLimits;
}

/**
 * Refuses, before anything is written, a choice of tools this send cannot have: tools for a
 * guest (without GUEST_TOOLS), for a model that cannot call them, or tools that do not exist.
 */
export function checkToolChoice(
  tools: ToolService | undefined,
  chosen: readonly string[] | undefined,
  model: ModelInfo,
  guest: boolean,
): void {
  if (!chosen?.length) return;
  if (guest && !tools?.config.guests) {
    throw new DomainError("forbidden", "Sign in to use tools.");
  }
  if (!model.capabilities.tools) {
    throw badRequest(`${model.name} cannot call tools; pick a model that can, or choose no tools.`);
  }
  const unknown = tools ? tools.unknownIn(chosen) : [...chosen];
  if (unknown.length > 0) throw badRequest(`No such tool: ${unknown.join(", ")}.`);
}

/**
 * The tools this answer is offered: `chosen` (checked by checkToolChoice), else the
 * conversation's `remembered` choice, else the owner's `defaults`. None for a model without
 * the `tools` capability or a guest without GUEST_TOOLS, whatever was remembered.
 */
export function chooseTools(
  tools: ToolService | undefined,
  options: {
    chosen: readonly string[] | undefined;
    remembered: unknown;
    defaults: readonly string[];
    model: ModelInfo;
    guest: boolean;
  },
): ToolChoice | undefined {
  if (!tools || !options.model.capabilities.tools) return undefined;
  if (options.guest && !tools.config.guests) return undefined;
  const remembered = ToolSelection.safeParse(options.remembered);
  const selection =
    options.chosen ?? (remembered.success ? remembered.data : undefined) ?? options.defaults;
  if (selection.length === 0) return undefined;
  const toolset = tools.toolset(selection);
  if (toolset.definitions.length === 0) return undefined;
  const { timeoutMs, resultMaxChars, maxRounds } = tools.config;
  return { toolset, limits: { timeoutMs, resultMaxChars, maxRounds } };
}

/** The conversation's update that remembers a message's choice of tools (none when it made none). */
export function rememberTools(chosen: readonly string[] | undefined): { tools?: string[] } {
  return chosen === undefined ? {} : { tools: [...chosen] };
}
