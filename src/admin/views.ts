/** JSON shapes the admin API returns for broker objects (bodies as base64 plus a short utf8 preview). */
import type { MessageView } from '../broker/types.js';

/** Characters of a body shown as text; enough to recognise a payload, short enough for a table. */
export const BODY_PREVIEW_CHARS = 256;

export interface MessageJson extends Omit<MessageView, 'body'> {
  bodySize: number;
  /** The body, base64. */
  body: string;
  /** The first characters of the body decoded as utf8 (invalid bytes show as U+FFFD). */
  bodyPreview: string;
}

export function messageJson(m: MessageView): MessageJson {
  const { body, ...rest } = m;
  const previewBytes = body.subarray(0, BODY_PREVIEW_CHARS * 4);
  return {
    ...rest,
    bodySize: body.length,
    body: body.toString('base64'),
    bodyPreview: previewBytes.toString('utf8').slice(0, BODY_PREVIEW_CHARS),
  };
}
