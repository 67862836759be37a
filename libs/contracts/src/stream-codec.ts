import type { Message, MessageDraft, MessageFile, StoredFileRef } from './message.js';
import { isStreamId, streamIdTime } from './stream-id.js';

/** The single field a chat stream entry carries: the MessageDraft as JSON. */
export const STREAM_FIELD = 'm';

export function encodeDraft(draft: MessageDraft): string {
  return JSON.stringify(draft);
}

export class PoisonEntryError extends Error {
  override name = 'PoisonEntryError';
}

/**
 * Turns a stream entry back into a Message. Throws PoisonEntryError for an entry that cannot be
 * decoded or validated, so the caller can dead-letter it instead of blocking the entries behind.
 */
export function decodeEntry(id: string, fields: string[]): Message {
  return draftToMessage(id, decodeDraft(id, fields));
}

/** The stored draft of a stream entry, internal fields (trace) included; throws like decodeEntry. */
export function decodeDraft(id: string, fields: string[]): MessageDraft {
  if (!isStreamId(id)) throw new PoisonEntryError(`bad stream id ${JSON.stringify(id)}`);
  let raw: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === STREAM_FIELD) raw = fields[i + 1];
  }
  if (raw === undefined) throw new PoisonEntryError(`entry ${id} has no "${STREAM_FIELD}" field`);
  return parseDraft(raw, id);
}

/**
 * Decodes a read of stream entries, skipping the undecodable ones (the worker dead-letters those)
 * after telling `onSkip` about each.
 */
export function decodeEntries(
  entries: Array<[id: string, fields: string[]]>,
  onSkip: (id: string, error: Error) => void,
): Message[] {
  const messages: Message[] = [];
  for (const [id, fields] of entries) {
    try {
      messages.push(decodeEntry(id, fields));
    } catch (error) {
      onSkip(id, error as Error);
    }
  }
  return messages;
}

export function draftToMessage(id: string, draft: MessageDraft): Message {
  const message: Message = {
    id,
    roomId: draft.roomId,
    senderId: draft.senderId,
    senderName: draft.senderName,
    content: draft.content,
    clientMsgId: draft.clientMsgId,
    createdAt: streamIdTime(id).toISOString(),
  };
  if (draft.seq !== undefined) message.seq = draft.seq;
  if (draft.file) message.file = publicFile(draft.file);
  return message;
}

/** The public shape of a stored file reference; links are filled in by the reader. */
export function publicFile(file: StoredFileRef): MessageFile {
  const result: MessageFile = { id: file.id, url: '', name: file.name, mime: file.mime, size: file.size };
  if (file.thumbnail) result.thumbnailUrl = '';
  return result;
}

export function parseDraft(raw: string, id = '?'): MessageDraft {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new PoisonEntryError(`entry ${id} is not JSON`);
  }
  if (typeof value !== 'object' || value === null) throw new PoisonEntryError(`entry ${id} is not an object`);
  const draft = value as Record<string, unknown>;
  for (const field of ['roomId', 'senderId', 'senderName', 'content', 'clientMsgId'] as const) {
    if (typeof draft[field] !== 'string')
      throw new PoisonEntryError(`entry ${id}: "${field}" is not a string`);
  }
  if (draft.seq !== undefined && !Number.isSafeInteger(draft.seq))
    throw new PoisonEntryError(`entry ${id}: "seq" is not an integer`);
  if (draft.file !== undefined && (typeof draft.file !== 'object' || draft.file === null)) {
    throw new PoisonEntryError(`entry ${id}: "file" is not an object`);
  }
  return draft as unknown as MessageDraft;
}
