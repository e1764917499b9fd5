import type { ModelRecord } from '@sluice/contracts';
import type { CanonicalRequest } from '@sluice/gateway/providers';
import { completionTokenBudget, estimatePromptTokens, estimateTextTokens } from './estimate-tokens';

describe('token estimates', () => {
  it('counts about four characters a token plus a per-message overhead', () => {
    expect(estimatePromptTokens({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(40) }] })).toBe(10 + 4);
    expect(
      estimatePromptTokens({
        model: 'm',
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'abcd' }] },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'ab', arguments: '{}' } }] },
        ],
      }),
    ).toBe(2 + 8);
  });

  it('counts tool definitions', () => {
    const withTools = estimatePromptTokens({
      model: 'm',
      messages: [{ role: 'user', content: '' }],
      tools: [{ type: 'function', function: { name: 'lookup' } }],
    });
    expect(withTools).toBeGreaterThan(4);
  });

  it('estimates generated text the same way', () => {
    expect(estimateTextTokens(0)).toBe(0);
    expect(estimateTextTokens(9)).toBe(3);
  });

  it('reserves the requested completion budget, or the model’s maximum when none is asked', () => {
    const model = { id: 'm', max_output_tokens: 1000 } as ModelRecord;
    expect(completionTokenBudget({ model: 'm', messages: [], max_tokens: 50 }, model)).toBe(50);
    expect(completionTokenBudget({ model: 'm', messages: [], max_completion_tokens: 70, max_tokens: 50 }, model)).toBe(70);
    expect(completionTokenBudget({ model: 'm', messages: [], max_tokens: 1000 }, model)).toBe(1000);
    expect(completionTokenBudget({ model: 'm', messages: [] }, model)).toBe(1000);
    expect(completionTokenBudget({ model: 'm', messages: [], max_tokens: 5000 }, { id: 'm', max_output_tokens: 0 } as ModelRecord)).toBe(5000);
  });

  it('refuses more than the model can generate with a 400 naming the field', () => {
    const model = { id: 'm', max_output_tokens: 1000 } as ModelRecord;
    const cases: Array<[CanonicalRequest, string]> = [
      [{ model: 'm', messages: [], max_tokens: 1001 }, 'max_tokens'],
      [{ model: 'm', messages: [], max_completion_tokens: 5000, max_tokens: 10 }, 'max_completion_tokens'],
    ];
    for (const [request, field] of cases) {
      expect(() => completionTokenBudget(request, model)).toThrow(
        expect.objectContaining({ code: 'validation_error', param: field, details: { [field]: [expect.stringContaining('at most 1000')] } }),
      );
    }
  });
});
