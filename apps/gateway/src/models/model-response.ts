import type { ModelRecord } from '@sluice/contracts';

/** OpenAI's model object, plus what a Sluice caller needs to choose one: pricing and limits (README.md, API: the gateway). */
export interface ModelResponse {
  id: string;
  object: 'model';
  /** The catalog keeps no creation time; 0 keeps the field OpenAI SDKs expect. */
  created: number;
  owned_by: string;
  aliases: string[];
  pricing: ModelRecord['pricing'];
  context_window: number;
  max_output_tokens: number;
  capabilities: string[];
  sandbox: boolean;
}

export interface ModelListResponse {
  object: 'list';
  data: ModelResponse[];
}

export function toModelResponse(model: ModelRecord): ModelResponse {
  return {
    id: model.id,
    object: 'model',
    created: 0,
    owned_by: model.provider,
    aliases: model.aliases,
    pricing: model.pricing,
    context_window: model.context_window,
    max_output_tokens: model.max_output_tokens,
    capabilities: model.capabilities,
    sandbox: model.sandbox,
  };
}
