/** Every TypeORM entity of the control plane; features add theirs here. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const ENTITIES: Function[] = [];
