package dev.apogee.examples.transaction;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * The producer side of a transactional order: the half message is stored by the broker, then the local
 * transaction runs here; its answer commits or rolls back the half message. An UNKNOW answer leaves the
 * decision to a later check-back, which reads the ledger.
 *
 * <p>Each order carries a "scenario" property so the example can show every path:
 * commit, rollback, unknown-then-commit, unknown-then-rollback.
 */
public final class OrderTransactionListener implements TransactionListener {
    public static final String SCENARIO = "scenario";

    private final OrderLedger ledger;
    private final PrintStream out;
    private final Map<String, AtomicInteger> checks = new ConcurrentHashMap<>();

    public OrderTransactionListener(OrderLedger ledger, PrintStream out) {
        this.ledger = ledger;
        this.out = out;
    }

    @Override
    public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
        String orderId = msg.getKeys();
        String scenario = msg.getUserProperty(SCENARIO);
        switch (scenario == null ? "" : scenario) {
            case "commit":
                ledger.record(orderId, OrderLedger.Outcome.COMMITTED);
                return LocalTransactionState.COMMIT_MESSAGE;
            case "rollback":
                ledger.record(orderId, OrderLedger.Outcome.ROLLED_BACK);
                return LocalTransactionState.ROLLBACK_MESSAGE;
            case "unknown-then-commit":
                // The local commit lands after we had to answer: the broker will ask again.
                ledger.record(orderId, OrderLedger.Outcome.COMMITTED);
                return LocalTransactionState.UNKNOW;
            case "unknown-then-rollback":
                ledger.record(orderId, OrderLedger.Outcome.ROLLED_BACK);
                return LocalTransactionState.UNKNOW;
            default:
                return LocalTransactionState.ROLLBACK_MESSAGE;
        }
    }

    @Override
    public LocalTransactionState checkLocalTransaction(MessageExt msg) {
        String orderId = msg.getKeys();
        int n = checks.computeIfAbsent(orderId, k -> new AtomicInteger()).incrementAndGet();
        OrderLedger.Outcome outcome = ledger.outcome(orderId);
        LocalTransactionState answer = outcome == null ? LocalTransactionState.UNKNOW
            : outcome == OrderLedger.Outcome.COMMITTED ? LocalTransactionState.COMMIT_MESSAGE
            : LocalTransactionState.ROLLBACK_MESSAGE;
        out.printf("check-back #%d for order %s (transaction %s): %s%n", n, orderId, msg.getTransactionId(), answer);
        return answer;
    }

    /** Check-backs received so far, per order id. */
    public int checks(String orderId) {
        AtomicInteger n = checks.get(orderId);
        return n == null ? 0 : n.get();
    }
}
