/** A file attached to a message (contract: "Message object"). */
export interface MessageFile {
  id: string;
  url: string;
  name: string;
  mime: string;
  size: number;
  /** A small WebP preview (images only), signed like `url`. */
  thumbnailUrl?: string;
}

/** What a stored message keeps of its file: the link is signed anew whenever it is read. */
export type StoredFileRef = Omit<MessageFile, 'url' | 'thumbnailUrl'> & { thumbnail?: boolean };

/** The public Message object of the contract. */
export interface Message {
  /** Redis stream entry id of the room's stream, e.g. "1732345678901-0". Unique within its room. */
  id: string;
  roomId: string;
  /**
   * The message's place in its room: 1 for the first message, then one more for each message
   * stored, so a client sees a gap as a missing number. Absent on messages stored before the
   * room had numbers.
   */
  seq?: number;
  senderId: string;
  senderName: string;
  content: string;
  file?: MessageFile;
  clientMsgId: string;
  createdAt: string;
}

/**
 * What is stored in a stream entry: the Message without the parts the stream id gives. `seq` is
 * given by the append script, which writes it into the stored JSON.
 */
export type MessageDraft = Omit<Message, 'id' | 'createdAt' | 'file'> & {
  file?: StoredFileRef;
  /**
   * W3C traceparent of the send that stored it: continues the message's trace in the worker,
   * and its trace id is the message's correlation id in every app's logs. Never sent to clients.
   */
  trace?: string;
};

export interface MessagePage {
  items: Message[];
  nextBefore: string | null;
}
