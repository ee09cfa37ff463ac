/** One prompt message, reduced to what the mock looks at. */
export interface PromptMessage {
  role: string;
  text: string;
  /** Image URLs (or file ids) of image parts. */
  images: string[];
}

export interface MockModel {
  id: string;
  name: string;
  description: string;
  /** Accepts image parts (`image_url` / `input_image`); other models answer 400. */
  vision: boolean;
  /** Streams reasoning before the answer (12 tokens unless `reasoning=N` says otherwise). */
  reasoning: boolean;
  /** The API a client should prefer for it. The mock serves every model on both APIs. */
  api: "chat" | "responses";
}

export const MOCK_MODELS: readonly MockModel[] = [
  {
    id: "parley-demo",
    name: "Parley Demo",
    description: "Built-in mock model (Chat Completions). Deterministic placeholder text.",
    vision: false,
    reasoning: false,
    api: "chat",
  },
  {
    id: "parley-demo-responses",
    name: "Parley Demo (Responses)",
    description: "Built-in mock model served through the Responses API.",
    vision: false,
    reasoning: false,
    api: "responses",
  },
  {
    id: "parley-demo-reasoning",
    name: "Parley Demo Reasoning",
    description: "Built-in mock model (Responses API) that streams a reasoning summary first.",
    vision: false,
    reasoning: true,
    api: "responses",
  },
  {
    id: "parley-demo-vision",
    name: "Parley Demo Vision",
    description: "Built-in mock model (Chat Completions) that accepts image inputs.",
    vision: true,
    reasoning: false,
    api: "chat",
  },
];

export function findMockModel(id: string): MockModel | undefined {
  return MOCK_MODELS.find((model) => model.id === id);
}
