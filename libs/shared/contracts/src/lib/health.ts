export type ConnectionState = 'connected' | 'disconnected';

/** `GET /health` on the control plane: the gateway's shape plus the database (docs/decisions.md, Health). */
export interface ControlPlaneHealth {
  status: 'ok' | 'degraded';
  service: 'control-plane';
  database: ConnectionState;
  redis: ConnectionState;
}

/** `GET /health` on the gateway: the published status document (docs/decisions.md, Health). */
export interface GatewayHealth {
  status: 'ok' | 'degraded';
  service: 'ai-gateway';
  redis: ConnectionState;
}
