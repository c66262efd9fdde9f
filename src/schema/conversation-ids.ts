/** X's one-to-one conversation id: the two user ids, smaller first. */
export function oneToOneConversationId(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`;
}
