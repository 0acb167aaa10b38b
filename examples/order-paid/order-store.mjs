// The order service's own database, kept tiny: one JSON line per change in a file, replayed at start. It stands
// for the table the order service updates in its local transaction ("mark order paid").
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export class OrderStore {
  /** @type {Map<string, { orderId: string, status: 'paid' | 'payment-failed', amount: number }>} */
  #orders = new Map();

  /** @param {string} file */
  constructor(file) {
    this.file = file;
  }

  async open() {
    await mkdir(dirname(this.file), { recursive: true });
    const text = await readFile(this.file, 'utf8').catch((err) => (err.code === 'ENOENT' ? '' : Promise.reject(err)));
    for (const line of text.split('\n')) if (line.trim()) this.#apply(JSON.parse(line));
    return this;
  }

  /** The local transaction: the order row is written (durably, before the message is committed). */
  async markPaid(orderId, amount) {
    await this.#write({ orderId, status: 'paid', amount });
  }

  async markPaymentFailed(orderId, amount) {
    await this.#write({ orderId, status: 'payment-failed', amount });
  }

  /** @returns {'paid' | 'payment-failed' | undefined} */
  status(orderId) {
    return this.#orders.get(orderId)?.status;
  }

  async #write(row) {
    await appendFile(this.file, JSON.stringify(row) + '\n');
    this.#apply(row);
  }

  #apply(row) {
    this.#orders.set(row.orderId, row);
  }
}
