/**
 * How the store refusing writes reaches clients: DISK_FULL / READ_ONLY / IO_ERROR from the store, and ENOSPC /
 * EROFS from the broker's own metadata files, become UNAVAILABLE (retriable) with the cause in the message, which
 * the fronts answer as RocketMQ does when its store is not writable: remoting SERVICE_NOT_AVAILABLE (14), gRPC
 * INTERNAL_SERVER_ERROR. Other store errors are not turned into client errors here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asBrokerError, BrokerError, BrokerErrorCode } from '../../src/broker/errors.js';
import { brokerCodeToV2 } from '../../src/protocol/grpc/codes.js';
import { Code } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import { ResponseCode } from '../../src/protocol/remoting/codes.js';
import { responseCodeOf } from '../../src/protocol/remoting/errors.js';
import { diskErrorCode, StoreError, StoreErrorCode } from '../../src/store/errors.js';

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, syscall: 'write' });
}

const EXPECTED: Record<string, RegExp> = {
  DISK_FULL: /^service not available: the disk holding the broker's data dir is full \(ENOSPC\); writes are refused until space returns$/,
  READ_ONLY: /^service not available: the broker's data dir is on a read-only file system \(EROFS\)/,
  IO_ERROR: /^service not available: writing to the broker's data dir failed \(ENOSPC\)/,
  CLOSED: /^service not available: the broker is shutting down$/,
};

describe('broker: store write failures as client errors', () => {
  it('classifies errno values', () => {
    assert.equal(diskErrorCode(errno('ENOSPC', 'x')), StoreErrorCode.DISK_FULL);
    assert.equal(diskErrorCode(errno('EDQUOT', 'x')), StoreErrorCode.DISK_FULL);
    assert.equal(diskErrorCode(errno('EROFS', 'x')), StoreErrorCode.READ_ONLY);
    assert.equal(diskErrorCode(errno('EIO', 'x')), StoreErrorCode.IO_ERROR);
    assert.equal(diskErrorCode(new Error('no errno')), StoreErrorCode.IO_ERROR);
  });

  for (const code of [StoreErrorCode.DISK_FULL, StoreErrorCode.READ_ONLY, StoreErrorCode.IO_ERROR, StoreErrorCode.CLOSED]) {
    it(`store ${code} → UNAVAILABLE, retriable, message kept → remoting 14, gRPC INTERNAL_SERVER_ERROR`, () => {
      const cause = errno(code === StoreErrorCode.READ_ONLY ? 'EROFS' : 'ENOSPC', 'x');
      const be = asBrokerError(new StoreError(code, 'the data dir /secret/d: ...', true, { cause }));
      assert.ok(be instanceof BrokerError);
      assert.equal(be.code, BrokerErrorCode.UNAVAILABLE);
      assert.equal(be.retriable, true);
      assert.match(be.message, EXPECTED[code]);
      assert.doesNotMatch(be.message, /secret/, 'no server path in what clients see');
      assert.equal(responseCodeOf(be), ResponseCode.SERVICE_NOT_AVAILABLE);
      assert.equal(brokerCodeToV2(be.code), Code.INTERNAL_SERVER_ERROR);
    });
  }

  it('ENOSPC and EROFS from a metadata file name the cause', () => {
    assert.match(asBrokerError(errno('ENOSPC', "ENOSPC: no space left on device, open 'topics.json.tmp'"))?.message ?? '', /disk holding the broker's data dir is full \(ENOSPC/);
    assert.match(asBrokerError(errno('EROFS', 'EROFS: read-only file system'))?.message ?? '', /broker's data dir is on a read-only file system/);
  });

  it('leaves broker errors as they are and other failures to the fronts', () => {
    const own = new BrokerError(BrokerErrorCode.TOPIC_NOT_FOUND, 'no');
    assert.equal(asBrokerError(own), own);
    assert.equal(asBrokerError(new StoreError(StoreErrorCode.CORRUPT, 'bad bytes')), undefined);
  });

  it("maps the store's bad-input refusal to BAD_REQUEST with its words (the client's input, not a broker failure)", () => {
    const be = asBrokerError(new StoreError(StoreErrorCode.BAD_INPUT, 'append: properties.UNIQ_KEY must not contain \\u0001 or \\u0002'));
    assert.equal(be?.code, BrokerErrorCode.BAD_REQUEST);
    assert.match(be?.message ?? '', /message rejected: append: properties\.UNIQ_KEY/);
    assert.equal(responseCodeOf(be!), ResponseCode.INVALID_PARAMETER);
    assert.equal(brokerCodeToV2(be!.code), Code.BAD_REQUEST);
    assert.equal(asBrokerError(errno('EACCES', 'x')), undefined);
    assert.equal(asBrokerError(new TypeError('bug')), undefined);
  });
});
