export type ConnectionState = 'connected' | 'disconnected';

/** `GET /health` on the control plane (seed 000 shape plus the database). */
export interface ControlPlaneHealth {
  status: 'ok' | 'degraded';
  service: 'control-plane';
  database: ConnectionState;
  redis: ConnectionState;
}

/** `GET /health` on the gateway, exactly seed 000's shape. */
export interface GatewayHealth {
  status: 'ok' | 'degraded';
  service: 'ai-gateway';
  redis: ConnectionState;
}
