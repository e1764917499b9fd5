import { parseForm } from './form';

describe('parseForm (Stripe form encoding)', () => {
  it('nests bracket keys into objects and lists', () => {
    const body =
      'mode=payment&metadata[purpose]=credits&metadata[plan]=&line_items[0][quantity]=2&line_items[0][price_data][unit_amount]=500' +
      '&line_items[1][price_data][currency]=usd&expand[]=customer&expand[]=invoice';
    expect(parseForm(body)).toEqual({
      mode: 'payment',
      metadata: { purpose: 'credits', plan: '' },
      line_items: [{ quantity: '2', price_data: { unit_amount: '500' } }, { price_data: { currency: 'usd' } }],
      expand: ['customer', 'invoice'],
    });
  });

  it('decodes percent-encoding and keeps objects with non-index keys as objects', () => {
    expect(parseForm('success_url=http%3A%2F%2Fx%2F%3Fa%3D1&metadata[0a]=x')).toEqual({ success_url: 'http://x/?a=1', metadata: { '0a': 'x' } });
    expect(parseForm('')).toEqual({});
  });
});
