import { Module } from '@nestjs/common';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SecretBox } from './secret-box';

/** The one `SecretBox`, keyed by `SECRETS_KEY` (and `SECRETS_KEY_PREVIOUS` during a rotation). */
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [CONTROL_PLANE_CONFIG],
      useFactory: (config: ControlPlaneConfig) => new SecretBox(config.secretsKey, config.previousSecretsKeys),
    },
  ],
  exports: [SecretBox],
})
export class SecretsModule {}
