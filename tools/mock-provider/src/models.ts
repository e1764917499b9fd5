export const MOCK_MODELS: readonly { id: string; displayName: string }[] = [
  { id: 'mock-fast', displayName: 'Mock Fast' },
  { id: 'mock-smart', displayName: 'Mock Smart' },
];

const CREATED = 1735689600;
const CREATED_AT = new Date(CREATED * 1000).toISOString().replace('.000Z', 'Z');

/** The lists never change: serialized once. */
export const OPENAI_MODELS_BODY = Buffer.from(
  JSON.stringify({
    object: 'list',
    data: MOCK_MODELS.map(({ id }) => ({ id, object: 'model', created: CREATED, owned_by: 'sluice-mock' })),
  }),
);

export const ANTHROPIC_MODELS_BODY = Buffer.from(
  JSON.stringify({
    data: MOCK_MODELS.map(({ id, displayName }) => ({ type: 'model', id, display_name: displayName, created_at: CREATED_AT })),
    has_more: false,
    first_id: MOCK_MODELS[0].id,
    last_id: MOCK_MODELS[MOCK_MODELS.length - 1].id,
  }),
);
