import type { AnthropicImageBlock, AnthropicTextBlock, OpenAiTextPart, OpenAiUserContentPart } from '@sluice/contracts';

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/** OpenAI user content as Anthropic blocks; audio and file parts have no Messages equivalent and are dropped. */
export function userBlocks(content: string | OpenAiUserContentPart[]): (AnthropicTextBlock | AnthropicImageBlock)[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const blocks: (AnthropicTextBlock | AnthropicImageBlock)[] = [];
  for (const part of content) {
    if (part.type === 'text') blocks.push({ type: 'text', text: part.text });
    else if (part.type === 'image_url') blocks.push(imageBlock(part.image_url.url));
  }
  return blocks;
}

/** A data URL becomes a base64 source, anything else a URL source. */
export function imageBlock(url: string): AnthropicImageBlock {
  const match = DATA_URL.exec(url);
  if (match) return { type: 'image', source: { type: 'base64', media_type: match[1], data: match[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

export function textOf(content: string | OpenAiTextPart[] | (OpenAiTextPart | { type: 'refusal'; refusal: string })[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) if (part.type === 'text') text += part.text;
  return text;
}

/** Tool arguments are a JSON string in OpenAI and an object in Anthropic; unparseable arguments become `{}`. */
export function parseToolArguments(argumentsJson: string): Record<string, unknown> {
  if (argumentsJson === '') return {};
  try {
    const input: unknown = JSON.parse(argumentsJson);
    return typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
