import { meteringRequestId } from './metering-request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('meteringRequestId', () => {
  it('is the x-request-id the gateway minted when the client sent none', () => {
    const minted = '6f1c1b1e-5d0a-4c6e-9d43-2b7f1f3c9a10';
    expect(meteringRequestId({ id: minted, headers: {} })).toBe(minted);
  });

  it('is the minted id when the client sent an unusable x-request-id, which the gateway replaced', () => {
    const minted = '6f1c1b1e-5d0a-4c6e-9d43-2b7f1f3c9a10';
    expect(meteringRequestId({ id: minted, headers: { 'x-request-id': 'not valid!' } })).toBe(minted);
  });

  it("is a fresh UUID, not the client's own x-request-id, which the client may repeat", () => {
    const request = { id: 'client-id-1', headers: { 'x-request-id': 'client-id-1' } };
    const first = meteringRequestId(request);
    const second = meteringRequestId(request);
    expect(first).toMatch(UUID);
    expect(second).toMatch(UUID);
    expect(first).not.toBe(second);
  });
});
