/**
 * Java's String.hashCode (32-bit, UTF-16 code units). RocketMQ stores it as a message's tag code in the
 * consume queue, so a TAG filter can skip non-matching entries without reading the commit log.
 */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}
