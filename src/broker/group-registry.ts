/** Consumer groups, persisted in `<dataDir>/config/groups.json`. */
import { join } from 'node:path';
import { BrokerError, BrokerErrorCode } from './errors.js';
import { z } from 'zod';
import { MetadataFile, savedOrUndone } from './metadata-file.js';
import { groupConfigSchema, shapeCheck } from './metadata-schemas.js';
import { validateGroupName } from './names.js';
import { DEFAULT_RETRY_POLICY, validateRetryPolicy } from './retry-policy.js';
import type { ConsumeFromWhere, GroupConfig, GroupSpec } from './types.js';

/** RocketMQ's retryMaxTimes default of 16, i.e. 17 deliveries in all. */
export const DEFAULT_MAX_DELIVERY_ATTEMPTS = 17;
const CONSUME_FROM: readonly ConsumeFromWhere[] = ['young', 'earliest', 'latest'];

interface GroupsFileV1 {
  version: 1;
  groups: GroupConfig[];
}

export class GroupRegistry {
  private readonly groups = new Map<string, GroupConfig>();
  private readonly file: MetadataFile<GroupsFileV1>;

  constructor(
    configDir: string,
    private readonly now: () => number,
  ) {
    this.file = new MetadataFile(join(configDir, 'groups.json'), 1, shapeCheck(z.object({ version: z.literal(1), groups: z.array(groupConfigSchema) })));
  }

  async load(): Promise<void> {
    const data = await this.file.load();
    for (const g of data?.groups ?? []) this.groups.set(g.name, g);
  }

  get(name: string): GroupConfig | undefined {
    return this.groups.get(name);
  }

  require(name: string): GroupConfig {
    const g = this.groups.get(name);
    if (!g) throw new BrokerError(BrokerErrorCode.CONSUMER_GROUP_NOT_FOUND, `consumer group '${name}' does not exist`);
    return g;
  }

  list(): GroupConfig[] {
    return [...this.groups.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(spec: GroupSpec): Promise<GroupConfig> {
    const name = validateGroupName(spec.name);
    if (this.groups.has(name)) throw new BrokerError(BrokerErrorCode.ALREADY_EXISTS, `consumer group '${name}' already exists`);
    const config = this.build(name, spec, undefined);
    this.groups.set(name, config);
    await savedOrUndone(this.persist(), () => {
      if (this.groups.get(name) === config) this.groups.delete(name);
    });
    return config;
  }

  async update(spec: GroupSpec): Promise<GroupConfig> {
    const current = this.require(spec.name);
    const config = this.build(current.name, spec, current);
    this.groups.set(current.name, config);
    await savedOrUndone(this.persist(), () => {
      if (this.groups.get(current.name) === config) this.groups.set(current.name, current);
    });
    return config;
  }

  async delete(name: string): Promise<void> {
    const current = this.require(name);
    this.groups.delete(name);
    await savedOrUndone(this.persist(), () => {
      if (!this.groups.has(name)) this.groups.set(name, current);
    });
  }

  private build(name: string, spec: GroupSpec, current: GroupConfig | undefined): GroupConfig {
    const maxDeliveryAttempts = spec.maxDeliveryAttempts ?? current?.maxDeliveryAttempts ?? DEFAULT_MAX_DELIVERY_ATTEMPTS;
    if (!Number.isInteger(maxDeliveryAttempts) || maxDeliveryAttempts < 1 || maxDeliveryAttempts > 1000) {
      throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `max delivery attempts must be an integer from 1 to 1000, got ${maxDeliveryAttempts}`);
    }
    const consumeFromWhere = spec.consumeFromWhere ?? current?.consumeFromWhere ?? 'young';
    if (!CONSUME_FROM.includes(consumeFromWhere)) {
      throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `consumeFromWhere must be one of ${CONSUME_FROM.join(', ')}`);
    }
    return {
      name,
      fifo: spec.fifo ?? current?.fifo ?? false,
      maxDeliveryAttempts,
      retryPolicy: spec.retryPolicy ? validateRetryPolicy(spec.retryPolicy) : (current?.retryPolicy ?? DEFAULT_RETRY_POLICY),
      consumeFromWhere,
      createdAt: current?.createdAt ?? this.now(),
    };
  }

  private persist(): Promise<void> {
    return this.file.save(() => ({ version: 1, groups: this.list() }));
  }
}
