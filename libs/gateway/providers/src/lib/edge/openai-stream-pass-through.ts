import { isRecord, malformedFrameEvent } from '../errors';
import { openAiInStreamError } from '../openai/stream';
import { SseByteFramer } from '../sse/sse-byte-framer';
import { SseParser } from '../sse/sse-parser';
import { sseData } from '../sse/sse-serializer';
import type { NormalizedEvent, StreamPassThrough, StreamUsage } from '../types';
import { ContentFrameTemplate, type ProbedFrame } from './content-frame-template';
import { openAiStreamError } from './stream-errors';

export interface OpenAiStreamPassThroughOptions {
  /** The model name the client asked for: every chunk carries it, whatever the upstream named. */
  model: string;
  /** Whether the client asked for the usage chunk (`stream_options.include_usage`); upstreams are always asked. */
  includeUsage: boolean;
}

const DATA_PREFIX = Buffer.from('data: ');
const DONE_FRAME = Buffer.from('data: [DONE]\n\n');
const LF = 0x0a;
const MALFORMED = malformedFrameEvent('OpenAI-compatible') as Extract<NormalizedEvent, { type: 'error' }>;

/**
 * An OpenAI-format stream relayed to an OpenAI-format client as the
 * upstream's own bytes (docs/decisions.md, Gateway: stream pass-through).
 * Each event is parsed once, for what metering needs and for what the
 * gateway's contract changes, and is otherwise written as it came:
 *
 * - `model` becomes the name the client asked for (spliced into the bytes);
 * - usage is read for metering and the usage chunk reaches only a client
 *   that asked for it (a usage on a chunk with choices is taken out of it,
 *   and sent as its own chunk before `[DONE]`, as OpenAI does);
 * - choice-less chunks without usage (Azure's prompt filter results),
 *   comments and keep-alives are dropped;
 * - an in-stream error or a malformed event ends the stream with the
 *   gateway's `error` event, as the parsing relay does.
 */
export class OpenAiStreamPassThrough implements StreamPassThrough {
  state: StreamPassThrough['state'] = 'open';
  usage: StreamUsage | undefined;
  generatedCharacters = 0;
  contentSeen = false;

  private readonly framer = new SseByteFramer();
  /** For events that are not one `data:` line: rare, so built when first needed. */
  private parser: SseParser | undefined;
  private readonly modelField: Buffer;
  /** The upstream's `model` value as it appears in its chunks, and the bytes to look for. */
  private upstreamModel: string | undefined;
  private upstreamModelField: Buffer | undefined;
  private usageChunkSent = false;
  /** The last chunk's id and timestamp, for a usage chunk the gateway writes itself. */
  private lastId: unknown = '';
  private lastCreated: unknown = 0;
  private out: Buffer[] = [];
  /** The bytes this stream's text chunks share: a chunk that fits is relayed without being parsed. */
  private template: ContentFrameTemplate | undefined;
  private templateHits = 0;
  /** Templates in a row that fitted no chunk: the first text chunk may differ from the rest (a `role` with it), two in a row mean the chunks always do. */
  private unfitTemplates = 0;
  /** Off once templates fit no chunk (a provider whose chunks differ in more than their text) or none could be learnt. */
  private learning = true;
  /** Whether a text chunk that fits no template is told from its bytes before it is parsed: off once a probe refused one. */
  private probeBytes = true;
  /** Where each event of a run of text chunks ends (`textChunks`), kept between runs. */
  private readonly runEnds: number[] = [];

  constructor(private readonly options: OpenAiStreamPassThroughOptions) {
    this.modelField = Buffer.from(`"model":${JSON.stringify(options.model)}`);
  }

  push(chunk: Uint8Array): Buffer | undefined {
    if (this.state !== 'open') return undefined;
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const framer = this.framer;
    framer.feed(bytes);
    while (this.state === 'open') {
      // Where an event starts, the text chunks of the template's shape are taken in place, a run at a time.
      if (this.template !== undefined) {
        const start = framer.eventStart;
        if (start >= 0) {
          const end = this.textChunks(this.template, bytes, start);
          if (end > start) framer.skipTo(end);
        }
      }
      const frame = framer.next();
      if (frame === undefined) break;
      this.frame(frame);
    }
    return this.flush();
  }

  end(): Buffer | undefined {
    if (this.state !== 'open') return undefined;
    const rest = this.framer.end();
    if (rest !== undefined) this.frame(rest);
    if (this.state === 'open' && this.parser !== undefined) for (const frame of this.parser.end()) this.payload(frame.data, undefined);
    return this.flush();
  }

  private frame(frame: Buffer): void {
    const template = this.template;
    if (template !== undefined) {
      const characters = template.contentLength(frame);
      if (characters >= 0) return this.textChunk(template, frame, characters);
    }
    const length = frame.length;
    // The common shape, `data: <payload>\n\n`, is read in place; any other goes through the full parser.
    if (length > 8 && frame[length - 1] === LF && frame[length - 2] === LF && frame.indexOf(LF) === length - 2 && startsWith(frame, DATA_PREFIX) && !frame.includes(0x0d)) {
      if (this.learning && this.probeBytes && this.learnFromBytes(frame)) return;
      this.payload(frame.toString('utf8', DATA_PREFIX.length, length - 2), frame);
      return;
    }
    this.parser ??= new SseParser();
    for (const event of this.parser.push(frame)) {
      this.payload(event.data, undefined);
      if (this.state !== 'open') return;
    }
  }

  /** `frame` is the event's bytes when they may be written as they are. */
  private payload(data: string, frame: Buffer | undefined): void {
    if (data === '[DONE]') {
      if (this.options.includeUsage && this.usage !== undefined && !this.usageChunkSent) this.out.push(Buffer.from(this.usageChunk(this.usage)));
      this.out.push(frame ?? DONE_FRAME);
      this.state = 'done';
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.fail(MALFORMED.code, MALFORMED.message);
    }
    if (!isRecord(json)) return this.fail(MALFORMED.code, MALFORMED.message);
    if (json['error'] !== undefined) {
      const error = openAiInStreamError(json['error']);
      return this.fail(error.code, error.message);
    }
    const choices = json['choices'];
    if (!Array.isArray(choices)) return this.fail(MALFORMED.code, MALFORMED.message);
    this.lastId = json['id'];
    this.lastCreated = json['created'];
    const usage = json['usage'];
    const hasUsage = isRecord(usage);
    if (hasUsage) this.usage = { prompt_tokens: usage['prompt_tokens'] as number, completion_tokens: usage['completion_tokens'] as number };
    if (choices.length === 0) {
      if (!hasUsage || !this.options.includeUsage) return;
      this.usageChunkSent = true;
    } else {
      this.countGenerated(choices);
      if (hasUsage) {
        // Taken out of a chunk with choices; sent on its own before `[DONE]` if the client asked.
        delete json['usage'];
        json['model'] = this.options.model;
        this.out.push(Buffer.from(sseData(JSON.stringify(json))));
        return;
      }
      if (frame !== undefined && this.learning) {
        const probed = ContentFrameTemplate.probe(frame, json);
        if (probed) this.learn(frame, probed);
      }
    }
    this.write(json, data, frame);
  }

  /** A chunk of the template's shape: the same event as the one it was learnt from, with another text. */
  private textChunk(template: ContentFrameTemplate, frame: Buffer, characters: number): void {
    this.textRead(template, 1, characters);
    template.write(frame, this.out);
  }

  /** The text chunks of the template's shape that follow one another in `bytes` from `start` (an event's start): where the last ends, or `start` if none is there. */
  private textChunks(template: ContentFrameTemplate, bytes: Buffer, start: number): number {
    const ends = this.runEnds;
    const count = template.matchRun(bytes, start, ends);
    if (count === 0) return start;
    this.textRead(template, count, template.textLength);
    template.writeRun(bytes, start, ends, count, this.out);
    return ends[count - 1];
  }

  /** `chunks` text chunks of the template's shape, `characters` of text in all. */
  private textRead(template: ContentFrameTemplate, chunks: number, characters: number): void {
    this.templateHits += chunks;
    this.lastId = template.id;
    this.lastCreated = template.created;
    if (characters > 0) {
      this.generatedCharacters += characters;
      this.contentSeen = true;
    }
  }

  /**
   * A text chunk that fitted no template, told from its bytes
   * (`ContentFrameTemplate.probe`): the template is learnt from it and it is
   * relayed as that template's, without being parsed. False: it is parsed.
   */
  private learnFromBytes(frame: Buffer): boolean {
    const probed = ContentFrameTemplate.probe(frame);
    // A parse spent for nothing: the stream's chunks are parsed before a template is learnt from them, as when their bytes cannot tell.
    if (probed === null) this.probeBytes = false;
    const template = probed ? this.learn(frame, probed) : undefined;
    if (template === undefined) return false;
    // The chunk it was learnt from is no hit of the template's (`learn`).
    this.textRead(template, 0, template.contentLength(frame));
    template.write(frame, this.out);
    return true;
  }

  /**
   * Learns the template from a text chunk that did not fit the current one:
   * the first, or the stream's chunks changed shape. Two templates in a row
   * that fitted nothing mean the chunks differ in more than their text: then
   * learning stops, so such a provider pays for two templates per stream, not one per chunk.
   */
  private learn(frame: Buffer, probed: ProbedFrame): ContentFrameTemplate | undefined {
    if (this.template !== undefined) this.unfitTemplates = this.templateHits === 0 ? this.unfitTemplates + 1 : 0;
    const model = probed.event['model'];
    if (typeof model !== 'string' || this.unfitTemplates >= 2) {
      this.learning = false;
      this.template = undefined;
      return undefined;
    }
    this.template = ContentFrameTemplate.learn(frame, probed, model === this.options.model ? undefined : { from: this.upstreamModelFieldOf(model), to: this.modelField });
    this.templateHits = 0;
    if (this.template === undefined) this.learning = false;
    return this.template;
  }

  /** The event as it came, its `model` replaced by the client's name; `json` is the event, parsed already. */
  private write(json: Record<string, unknown>, data: string, frame: Buffer | undefined): void {
    const model = json['model'];
    if (model === this.options.model) {
      this.out.push(frame ?? Buffer.from(sseData(data)));
      return;
    }
    const bytes = frame ?? Buffer.from(sseData(data));
    const needle = typeof model === 'string' ? this.upstreamModelFieldOf(model) : undefined;
    const at = needle === undefined ? -1 : bytes.indexOf(needle);
    // Spliced only where the field is unambiguous (once, compact); otherwise the event is serialised again.
    if (needle !== undefined && at >= 0 && bytes.indexOf(needle, at + needle.length) < 0) {
      this.out.push(bytes.subarray(0, at), this.modelField, bytes.subarray(at + needle.length));
      return;
    }
    json['model'] = this.options.model;
    this.out.push(Buffer.from(sseData(JSON.stringify(json))));
  }

  /** `"model":"<name>"` as the upstream's chunks carry it, built once per name. */
  private upstreamModelFieldOf(model: string): Buffer {
    if (model !== this.upstreamModel || this.upstreamModelField === undefined) {
      this.upstreamModel = model;
      this.upstreamModelField = Buffer.from(`"model":${JSON.stringify(model)}`);
    }
    return this.upstreamModelField;
  }

  private countGenerated(choices: unknown[]): void {
    for (const choice of choices) {
      const delta = isRecord(choice) ? choice['delta'] : undefined;
      if (!isRecord(delta)) continue;
      const content = delta['content'];
      if (typeof content === 'string' && content !== '') {
        this.generatedCharacters += content.length;
        this.contentSeen = true;
      }
      const calls = delta['tool_calls'];
      if (!Array.isArray(calls)) continue;
      for (const call of calls) {
        this.contentSeen = true;
        const fn = isRecord(call) ? call['function'] : undefined;
        if (!isRecord(fn)) continue;
        if (typeof fn['arguments'] === 'string') this.generatedCharacters += fn['arguments'].length;
        if (typeof fn['name'] === 'string') this.generatedCharacters += fn['name'].length;
      }
    }
  }

  private usageChunk({ prompt_tokens, completion_tokens }: StreamUsage): string {
    const usage = { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
    return sseData(JSON.stringify({ id: this.lastId, object: 'chat.completion.chunk', created: this.lastCreated, model: this.options.model, choices: [], usage }));
  }

  private fail(code: Parameters<typeof openAiStreamError>[0], message: string): void {
    this.out.push(Buffer.from(openAiStreamError(code, message)));
    this.state = 'failed';
  }

  private flush(): Buffer | undefined {
    const out = this.out;
    if (out.length === 0) return undefined;
    this.out = [];
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }
}

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}
