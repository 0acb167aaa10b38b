/** The listeners' TLS material (certificate and key, PEM), read once at start from `tls.certPath` / `tls.keyPath`. */
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContext } from 'node:tls';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** For node:tls listeners (remoting, name server). */
  context: SecureContext;
}

/** undefined when TLS is off (no paths); throws naming the file that cannot be read or does not fit. */
export async function loadTls(tls: { certPath: string; keyPath: string }): Promise<TlsMaterial | undefined> {
  if (tls.certPath === '' || tls.keyPath === '') return undefined;
  const read = async (path: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new Error(`cannot read TLS ${what} ${path}: ${(err as Error).message}`);
    }
  };
  const cert = await read(tls.certPath, 'certificate (tls.certPath)');
  const key = await read(tls.keyPath, 'key (tls.keyPath)');
  let context: SecureContext;
  try {
    context = createSecureContext({ cert, key });
  } catch (err) {
    throw new Error(`TLS certificate ${tls.certPath} and key ${tls.keyPath} are not usable: ${(err as Error).message}`);
  }
  return { cert, key, context };
}
