export { USAGE_EVENT_FIELD, UsageRecorder, type UsageRecorderOptions } from './usage-recorder';
