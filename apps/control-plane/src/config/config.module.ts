import { Module, type DynamicModule } from '@nestjs/common';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from './control-plane.config';

/** Makes the validated configuration injectable everywhere as CONTROL_PLANE_CONFIG. */
@Module({})
export class ConfigModule {
  static forRoot(config: ControlPlaneConfig): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: CONTROL_PLANE_CONFIG, useValue: config }],
      exports: [CONTROL_PLANE_CONFIG],
    };
  }
}
