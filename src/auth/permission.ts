/**
 * RocketMQ's plain-ACL permissions as bits: DENY, ANY (either PUB or SUB will do), PUB, SUB. A user owns one
 * permission per topic or group (or the default); a request needs one per resource it touches.
 */
export const Perm = { DENY: 1, ANY: 2, PUB: 4, SUB: 8 } as const;
export type Perm = number;

/** The spellings an operator writes, as in RocketMQ's plain_acl.yml. */
export const PERM_NAMES = ['DENY', 'PUB', 'SUB', 'PUB|SUB'] as const;
export type PermName = (typeof PERM_NAMES)[number];

/** `PUB|SUB` → bits; undefined for anything else (case-insensitive, `SUB|PUB` accepted too). */
export function parsePerm(text: string): Perm | undefined {
  const parts = text.toUpperCase().split('|').map((s) => s.trim());
  let bits = 0;
  for (const p of parts) {
    if (p === 'DENY' && parts.length === 1) bits |= Perm.DENY;
    else if (p === 'PUB') bits |= Perm.PUB;
    else if (p === 'SUB') bits |= Perm.SUB;
    else return undefined;
  }
  return bits === 0 ? undefined : bits;
}

export function permName(perm: Perm): PermName {
  if (perm & Perm.DENY) return 'DENY';
  const pub = (perm & Perm.PUB) !== 0;
  const sub = (perm & Perm.SUB) !== 0;
  return pub && sub ? 'PUB|SUB' : pub ? 'PUB' : sub ? 'SUB' : 'DENY';
}

/** Whether `owned` grants `needed`: DENY always loses; ANY is met by PUB or SUB. */
export function permits(needed: Perm, owned: Perm): boolean {
  if (owned & Perm.DENY) return false;
  if (needed & Perm.ANY) return (owned & (Perm.PUB | Perm.SUB)) !== 0;
  return (needed & owned) === needed;
}
