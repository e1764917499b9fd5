import { SluiceApiError } from '@sluice/client';
import { renderToStaticMarkup } from 'react-dom/server';
import { Bars } from './Bars';
import { ErrorMessage } from './ErrorMessage';
import { Field } from './Field';
import { QuotaBar } from './QuotaBar';

describe('console components', () => {
  it('shows an API error in the API’s own words, as an alert', () => {
    const error = new SluiceApiError(409, { code: 'conflict', type: 'conflict_error', message: 'A tenant must keep at least one owner', param: 'role', details: {} });
    expect(renderToStaticMarkup(<ErrorMessage error={error} />)).toBe('<p class="error" role="alert">A tenant must keep at least one owner</p>');
    expect(renderToStaticMarkup(<ErrorMessage error={null} />)).toBe('');
  });

  it('ties a field error to its control for screen readers', () => {
    const html = renderToStaticMarkup(<Field label="Name" error="must not be empty">{(props) => <input {...props} />}</Field>);
    const id = /<label for="([^"]+)">Name<\/label>/.exec(html)?.[1];
    expect(id).toBeDefined();
    expect(html).toContain(`<input id="${id}" aria-describedby="${id}-error" aria-invalid="true"/>`);
    expect(html).toContain(`<small id="${id}-error" class="field-error">must not be empty</small>`);
  });

  it('draws a quota bar with its figures as text', () => {
    const html = renderToStaticMarkup(<QuotaBar label="API calls" used={90} limit={100} />);
    expect(html).toContain('aria-valuenow="90"');
    expect(html).toContain('90 of 100 used');
    expect(html).toContain('level-warn');
    expect(renderToStaticMarkup(<QuotaBar label="Users" used={3} limit={null} />)).toContain('3 used, no limit');
  });

  it('lists usage bars as a table, saying so when empty', () => {
    expect(renderToStaticMarkup(<Bars caption="Cost by model" rows={[]} format={String} />)).toContain('No usage in this period');
    expect(renderToStaticMarkup(<Bars caption="Cost by model" rows={[{ label: 'gpt-4o', value: 2, share: 1 }]} format={(value) => `$${value}`} />)).toContain(
      '<th scope="row">gpt-4o</th>',
    );
  });
});
