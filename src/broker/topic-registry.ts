/** The topics this broker serves, persisted in `<dataDir>/config/topics.json`. */
import { join } from 'node:path';
import { BrokerError, BrokerErrorCode } from './errors.js';
import { z } from 'zod';
import { MetadataFile, savedOrUndone } from './metadata-file.js';
import { shapeCheck, topicConfigSchema } from './metadata-schemas.js';
import { validateTopicName } from './names.js';
import { MESSAGE_TYPES, PERM_READ, PERM_WRITE, type MessageType, type TopicConfig, type TopicSpec } from './types.js';

export const MAX_QUEUE_NUMS = 1024;

interface TopicsFileV1 {
  version: 1;
  topics: TopicConfig[];
}

export class TopicRegistry {
  private readonly topics = new Map<string, TopicConfig>();
  private readonly file: MetadataFile<TopicsFileV1>;

  constructor(
    configDir: string,
    private readonly defaultQueueNums: number,
    private readonly now: () => number,
  ) {
    this.file = new MetadataFile(join(configDir, 'topics.json'), 1, shapeCheck(z.object({ version: z.literal(1), topics: z.array(topicConfigSchema) })));
  }

  async load(): Promise<void> {
    const data = await this.file.load();
    for (const t of data?.topics ?? []) this.topics.set(t.name, t);
  }

  get(name: string): TopicConfig | undefined {
    return this.topics.get(name);
  }

  /** The topic or TOPIC_NOT_FOUND. */
  require(name: string): TopicConfig {
    const t = this.topics.get(name);
    if (!t) throw new BrokerError(BrokerErrorCode.TOPIC_NOT_FOUND, `topic '${name}' does not exist`);
    return t;
  }

  list(): TopicConfig[] {
    return [...this.topics.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(spec: TopicSpec, options: { system?: boolean } = {}): Promise<TopicConfig> {
    const name = options.system ? spec.name : validateTopicName(spec.name);
    if (this.topics.has(name)) throw new BrokerError(BrokerErrorCode.ALREADY_EXISTS, `topic '${name}' already exists`);
    const config = this.build(name, spec, undefined);
    this.topics.set(name, config);
    await savedOrUndone(this.persist(), () => {
      if (this.topics.get(name) === config) this.topics.delete(name);
    });
    return config;
  }

  async update(spec: TopicSpec): Promise<TopicConfig> {
    const current = this.require(spec.name);
    const config = this.build(current.name, spec, current);
    this.topics.set(current.name, config);
    await savedOrUndone(this.persist(), () => {
      if (this.topics.get(current.name) === config) this.topics.set(current.name, current);
    });
    return config;
  }

  async delete(name: string): Promise<void> {
    const current = this.require(name);
    this.topics.delete(name);
    await savedOrUndone(this.persist(), () => {
      if (!this.topics.has(name)) this.topics.set(name, current);
    });
  }

  private build(name: string, spec: TopicSpec, current: TopicConfig | undefined): TopicConfig {
    const messageType = spec.messageType ?? current?.messageType ?? 'NORMAL';
    if (!(MESSAGE_TYPES as readonly string[]).includes(messageType)) {
      throw new BrokerError(
        BrokerErrorCode.BAD_REQUEST,
        `unknown message type '${String(messageType)}' (expected one of ${MESSAGE_TYPES.join(', ')})`,
      );
    }
    const base = spec.queueNums ?? current?.readQueueNums ?? this.defaultQueueNums;
    const readQueueNums = spec.readQueueNums ?? spec.queueNums ?? current?.readQueueNums ?? base;
    const writeQueueNums = spec.writeQueueNums ?? spec.queueNums ?? current?.writeQueueNums ?? base;
    for (const [field, n] of [['read queue count', readQueueNums], ['write queue count', writeQueueNums]] as const) {
      if (!Number.isInteger(n) || n < 1 || n > MAX_QUEUE_NUMS) {
        throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `${field} must be an integer from 1 to ${MAX_QUEUE_NUMS}, got ${n}`);
      }
    }
    const perm = spec.perm ?? current?.perm ?? PERM_READ | PERM_WRITE;
    if (!Number.isInteger(perm) || (perm & ~(PERM_READ | PERM_WRITE | 1)) !== 0) {
      throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `perm must combine PERM_READ(4) and PERM_WRITE(2), got ${perm}`);
    }
    return {
      name,
      messageType: messageType as MessageType,
      readQueueNums,
      writeQueueNums,
      perm,
      createdAt: current?.createdAt ?? this.now(),
    };
  }

  private persist(): Promise<void> {
    return this.file.save(() => ({ version: 1, topics: this.list() }));
  }
}
