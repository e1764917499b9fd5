/** What a sealed signing secret is bound to: a sealed value copied to another endpoint or column does not open there. */
export const endpointContext = (endpointId: string): string => `webhook_endpoint:${endpointId}`;
export const previousEndpointContext = (endpointId: string): string => `webhook_endpoint:${endpointId}:previous`;
