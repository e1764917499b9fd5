/** One dispatched server-sent event. `event` is absent when the server sent none (the default `message`). */
export interface SseFrame {
  event?: string;
  data: string;
  id?: string;
}
