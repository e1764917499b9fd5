import { createOpenAiAdapter } from '../openai';

/** The mock provider (tools/mock-provider) answers in OpenAI's wire format on `/v1/chat/completions`. */
export const mockAdapter = createOpenAiAdapter('mock');
