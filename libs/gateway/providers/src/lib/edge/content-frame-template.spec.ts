import { ContentFrameTemplate, type ModelSplice } from './content-frame-template';

const EVENT = {
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1700000000,
  model: 'upstream-model',
  system_fingerprint: 'fp_1',
  choices: [{ index: 0, delta: { content: 'Hello' }, logprobs: null, finish_reason: null }],
  usage: null,
};

type Event = Record<string, unknown>;

function withText(text: string, event: Event = EVENT): Event {
  const [choice] = event['choices'] as Array<Record<string, unknown>>;
  return { ...event, choices: [{ ...choice, delta: { content: text } }] };
}

function frameOf(event: Event): Buffer {
  return Buffer.from(`data: ${JSON.stringify(event)}\n\n`);
}

function learn(event: Event = EVENT, splice?: ModelSplice): ContentFrameTemplate | undefined {
  const frame = frameOf(event);
  const probed = ContentFrameTemplate.probe(frame, event);
  return probed ? ContentFrameTemplate.learn(frame, probed, splice) : undefined;
}

/** The template learnt from the frame's bytes alone, without its event. */
function learnFromBytes(frame: Buffer): ContentFrameTemplate | undefined | null {
  const probed = ContentFrameTemplate.probe(frame);
  return probed ? ContentFrameTemplate.learn(frame, probed, undefined) : probed;
}

function learnt(event: Event = EVENT, splice?: ModelSplice): ContentFrameTemplate {
  const template = learn(event, splice);
  if (template === undefined) throw new Error('no template');
  return template;
}

/** The frame with the bytes of its text's string body replaced by `body` (raw JSON string body, not escaped). */
function frameWithBody(body: string, event: Event = EVENT): Buffer {
  return Buffer.from(`data: ${JSON.stringify(withText('\u0000MARK', event)).replace('\\u0000MARK', body)}\n\n`);
}

function written(template: ContentFrameTemplate, frame: Buffer): string {
  const out: Buffer[] = [];
  template.write(frame, out);
  return Buffer.concat(out).toString('utf8');
}

/** A deterministic generator, so a failure names the body that made it. */
function bodies(count: number): string[] {
  const alphabet = ['a', 'Z', ' ', '"', '\\', 'u', '0', 'd', 'F', 'n', '/', '\n', '\t', '\u0001', 'é', '👋', '\u007f', '{', '}', ','];
  let state = 42;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) % alphabet.length;
  return Array.from({ length: count }, () => Array.from({ length: 1 + (next() % 8) }, () => alphabet[next()]).join(''));
}

describe('ContentFrameTemplate', () => {
  it('takes a chunk that differs only in its text, and gives the text’s length as JSON.parse reads it', () => {
    const template = learnt();
    for (const text of ['', 'x', ' world', 'a "quoted" \\ word', 'tab\there\nline', 'héllo 👋', '\u0000\u001f', '\ud83d', 'ünïcödé'.repeat(20)]) {
      expect(template.contentLength(frameOf(withText(text)))).toBe(text.length);
    }
    expect(template.contentLength(frameWithBody('\\u00e9\\ud83d\\udc4b\\/'))).toBe(4);
    const [head, tail] = frameWithBody('MARK').toString('latin1').split('MARK');
    const malformedUtf8 = Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from([0x61, 0xff, 0xe2, 0x82, 0x62, 0xf0, 0x9f]), Buffer.from(tail, 'latin1')]);
    const decoded = JSON.parse(malformedUtf8.toString('utf8', 6, malformedUtf8.length - 2)) as { choices: Array<{ delta: { content: string } }> };
    expect(template.contentLength(malformedUtf8)).toBe(decoded.choices[0].delta.content.length);
  });

  it('never takes a chunk JSON.parse would read otherwise: every body it accepts parses to the template’s event with that text', () => {
    const template = learnt();
    for (const body of bodies(3000)) {
      const frame = frameWithBody(body);
      const length = template.contentLength(frame);
      let parsed: Event | undefined;
      try {
        parsed = JSON.parse(frame.toString('utf8', 6, frame.length - 2)) as Event;
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined) {
        expect({ body, length }).toEqual({ body, length: -1 });
        continue;
      }
      const text = ((parsed['choices'] as Array<{ delta: { content: string } }>)[0]).delta.content;
      expect({ body, length }).toEqual({ body, length: text.length });
      expect(parsed).toEqual(withText(text));
    }
  });

  it('refuses bodies that are no JSON string: an unescaped quote, a control character, an unknown or cut escape', () => {
    const template = learnt();
    for (const body of ['a"b', 'a\nb', 'a\u0001', '\\x', '\\', 'a\\', '\\u12', '\\u12g4', '\\u']) expect(template.contentLength(frameWithBody(body))).toBe(-1);
  });

  it('refuses a chunk that differs anywhere but the text', () => {
    const template = learnt();
    const others: Event[] = [
      { ...EVENT, id: 'chatcmpl-2' },
      { ...EVENT, created: 1700000001 },
      { ...EVENT, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } },
      { ...EVENT, choices: [{ index: 0, delta: { content: 'Hello' }, logprobs: null, finish_reason: 'stop' }] },
      { ...EVENT, choices: [{ index: 0, delta: { content: 'Hello', tool_calls: [] }, logprobs: null, finish_reason: null }] },
    ];
    for (const other of others) expect(template.contentLength(frameOf(other))).toBe(-1);
    expect(template.contentLength(Buffer.from('data: [DONE]\n\n'))).toBe(-1);
    expect(template.contentLength(frameOf(withText('Hello')).subarray(0, 40))).toBe(-1);
  });

  it('is learnt only from a chunk with one choice, some text and nothing else metering reads', () => {
    expect(learn(withText(''))).toBeUndefined();
    expect(learn({ ...EVENT, usage: { prompt_tokens: 1, completion_tokens: 1 } })).toBeUndefined();
    expect(learn({ ...EVENT, error: { message: 'x' } })).toBeUndefined();
    expect(learn({ ...EVENT, choices: [...EVENT.choices, ...EVENT.choices] })).toBeUndefined();
    expect(learn({ ...EVENT, choices: [{ index: 0, delta: { content: 'a', tool_calls: [{ index: 0 }] } }] })).toBeUndefined();
    expect(learn({ ...EVENT, choices: [{ index: 0, delta: { role: 'assistant' } }] })).toBeUndefined();
  });

  it('is never learnt from another string that looks like the text’s key: the probe checks where `content` really is', () => {
    const escapedKey = { id: 'x', 'tricky"content': 'not the text', ...withText('real text') };
    expect(frameOf(escapedKey).toString()).toContain('"tricky\\"content":"not the text"');
    expect(learn(escapedKey)).toBeUndefined();
    const nestedFirst = { meta: { content: 'looks like it' }, ...EVENT };
    expect(learn(nestedFirst)).toBeUndefined();
    const nestedAfter = { ...EVENT, meta: { content: 'looks like it' } };
    const template = learnt(nestedAfter);
    expect(template.contentLength(frameOf(withText('xyz', nestedAfter)))).toBe(3);
    expect(template.contentLength(frameOf({ ...nestedAfter, meta: { content: 'changed' } }))).toBe(-1);
  });

  it('is learnt from a chunk’s bytes alone, without parsing it, when no other string of it can read as the probe', () => {
    const template = learnFromBytes(frameOf(EVENT));
    expect(template).toMatchObject({ id: 'chatcmpl-1', created: 1700000000 });
    expect(template?.contentLength(frameOf(withText('next')))).toBe(4);
    expect(template?.contentLength(frameOf({ ...EVENT, id: 'chatcmpl-2' }))).toBe(-1);
    // Not a text chunk, told without a parse: no text, an empty one, no `content` string.
    expect(learnFromBytes(frameOf(withText('')))).toBeUndefined();
    expect(learnFromBytes(frameOf({ ...EVENT, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }))).toBeUndefined();
    expect(learnFromBytes(Buffer.from('data: [DONE]\n\n'))).toBeUndefined();
    // Told by the probe's parse: not one choice, tool calls, usage.
    expect(learnFromBytes(frameOf({ ...EVENT, choices: [...EVENT.choices, ...EVENT.choices] }))).toBeNull();
    expect(learnFromBytes(frameOf({ ...EVENT, choices: [{ index: 0, delta: { content: 'a', tool_calls: [{ index: 0 }] } }] }))).toBeNull();
    expect(learnFromBytes(frameOf({ ...EVENT, usage: { prompt_tokens: 1, completion_tokens: 1 } }))).toBeNull();
  });

  it('is never learnt from bytes where another string could read as the probe: a backslash or the probe around the text', () => {
    // The located `content` is not the text, and the real text is the probe itself: only the event tells.
    const PROBE = 'sluice-content-probe';
    const decoy = { meta: { content: 'not the text' }, ...withText(PROBE) };
    expect(learnFromBytes(frameOf(decoy))).toBeUndefined();
    // The same with the real text's probe spelt with an escape: a backslash outside the located text.
    expect(learnFromBytes(Buffer.from(`data: {"meta":{"content":"x"},"choices":[{"index":0,"delta":{"content":"sluice\\u002dcontent-probe"}}]}\n\n`))).toBeUndefined();
    expect(learnFromBytes(frameOf({ ...EVENT, id: 'a"b' }))).toBeUndefined();
    // The event, when parsed, tells what the bytes cannot.
    expect(learn({ ...EVENT, id: 'a"b' })).toBeDefined();
  });

  it('writes a matched chunk as it came, or with the model name spliced where the field is unambiguous', () => {
    const frame = frameOf(withText('next'));
    expect(written(learnt(), frame)).toBe(frame.toString('utf8'));
    const splice = { from: Buffer.from('"model":"upstream-model"'), to: Buffer.from('"model":"client-alias"') };
    const spliced = written(learnt(EVENT, splice), frame);
    expect(JSON.parse(spliced.slice(6))).toEqual({ ...withText('next'), model: 'client-alias' });
    expect(learn({ ...EVENT, extra: { model: 'upstream-model' } }, splice)).toBeUndefined();
    const afterText = { choices: EVENT.choices, id: 'chatcmpl-1', model: 'upstream-model' };
    expect(JSON.parse(written(learnt(afterText, splice), frameOf(withText('next', afterText))).slice(6))).toEqual({ ...withText('next', afterText), model: 'client-alias' });
  });

  it('keeps the chunk’s id and creation time for a usage chunk the gateway writes itself', () => {
    expect(learnt()).toMatchObject({ id: 'chatcmpl-1', created: 1700000000 });
  });
});
