package dev.apogee.examples.transaction;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stands in for the order service's own database: the outcome of each order's local transaction, which is
 * what a check-back must consult when the producer could not say COMMIT or ROLLBACK in time.
 */
public final class OrderLedger {
    public enum Outcome { COMMITTED, ROLLED_BACK }

    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();

    public void record(String orderId, Outcome outcome) {
        outcomes.put(orderId, outcome);
    }

    /** Null while the local transaction has not finished. */
    public Outcome outcome(String orderId) {
        return outcomes.get(orderId);
    }
}
