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
  senderId: string;
  senderName: string;
  content: string;
  file?: MessageFile;
  clientMsgId: string;
  createdAt: string;
}

/** What is stored in a stream entry: the Message without the parts the stream id gives. */
export type MessageDraft = Omit<Message, 'id' | 'createdAt' | 'file'> & { file?: StoredFileRef };

export interface MessagePage {
  items: Message[];
  nextBefore: string | null;
}
