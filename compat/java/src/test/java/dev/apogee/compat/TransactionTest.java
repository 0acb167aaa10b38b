package dev.apogee.compat;

import static dev.apogee.compat.Compat.PROVIDER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.apis.ClientException;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.MessageView;
import org.apache.rocketmq.client.apis.producer.Producer;
import org.apache.rocketmq.client.apis.producer.SendReceipt;
import org.apache.rocketmq.client.apis.producer.Transaction;
import org.apache.rocketmq.client.apis.producer.TransactionChecker;
import org.apache.rocketmq.client.apis.producer.TransactionResolution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Transactional messages: half message, then commit / rollback, or a check-back when the producer says nothing.
 * The broker may send a check-back to any live producer of the topic, so these tests hold one lock, and each
 * checker only judges messages carrying its own test's tag (anything else stays UNKNOWN).
 */
@ResourceLock("transaction-topic-producers")
class TransactionTest {

    private static Producer producer(TransactionChecker checker) throws ClientException {
        return PROVIDER.newProducerBuilder()
            .setClientConfiguration(Compat.clientConfiguration())
            .setTopics(Compat.transactionTopic())
            .setTransactionChecker(checker)
            .build();
    }

    private static SendReceipt sendHalf(Producer producer, Transaction tx, String tag, String key) throws ClientException {
        return producer.send(PROVIDER.newMessageBuilder()
            .setTopic(Compat.transactionTopic())
            .setTag(tag)
            .setKeys(key)
            .setBody(Compat.utf8(key))
            .build(), tx);
    }

    private static SimpleConsumer consumer(String tag) throws ClientException {
        return Compat.simpleConsumer(Compat.uniqueGroup("tx"), Compat.transactionTopic(), Compat.tag(tag));
    }

    private static boolean hasBody(List<MessageView> views, String body) {
        return views.stream().anyMatch(v -> Compat.body(v).equals(body));
    }

    @Test
    void committedMessageIsDeliveredAndRolledBackOneNever() throws Exception {
        String tag = Compat.uniqueTag("txcommit");
        AtomicInteger checks = new AtomicInteger();
        try (SimpleConsumer consumer = consumer(tag); Producer producer = producer(view -> {
            if (tag.equals(view.getTag().orElse(null))) {
                checks.incrementAndGet();
            }
            return TransactionResolution.UNKNOWN;
        })) {
            Transaction rolledBack = producer.beginTransaction();
            sendHalf(producer, rolledBack, tag, "rolled-back");
            rolledBack.rollback();

            Transaction committed = producer.beginTransaction();
            SendReceipt receipt = sendHalf(producer, committed, tag, "committed");
            committed.commit();

            List<MessageView> got = Compat.receiveUntil(consumer, Compat.INVISIBLE, Duration.ofSeconds(20), l -> hasBody(l, "committed"));
            got = new ArrayList<>(got);
            got.addAll(consumer.receive(16, Compat.INVISIBLE));
            assertFalse(hasBody(got, "rolled-back"), "a rolled-back message was delivered: " + Compat.describe(got));
            assertEquals(1, got.size(), Compat.describe(got));
            MessageView view = got.get(0);
            assertEquals(receipt.getMessageId().toString(), view.getMessageId().toString());
            assertEquals(1, view.getDeliveryAttempt());
            System.out.printf("[%s] committed transactional message properties: %s%n", Compat.target(), view.getProperties());
            assertEquals(0, checks.get(), "no check-back is due for transactions the producer resolved itself");
            consumer.ack(view);
        }
    }

    @Test
    void unresolvedTransactionsAreDecidedByTheChecker() throws Exception {
        String tag = Compat.uniqueTag("txcheck");
        Map<String, Long> checkedAt = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        try (SimpleConsumer consumer = consumer(tag); Producer producer = producer(view -> {
            if (!tag.equals(view.getTag().orElse(null))) {
                return TransactionResolution.UNKNOWN;
            }
            String key = view.getKeys().iterator().next();
            checkedAt.putIfAbsent(key, (System.nanoTime() - t0) / 1_000_000);
            return key.startsWith("commit") ? TransactionResolution.COMMIT : TransactionResolution.ROLLBACK;
        })) {
            // Neither commit() nor rollback(): the broker has to ask.
            sendHalf(producer, producer.beginTransaction(), tag, "rollback-by-check");
            sendHalf(producer, producer.beginTransaction(), tag, "commit-by-check");

            List<MessageView> got = Compat.receiveUntil(consumer, Compat.INVISIBLE, Duration.ofSeconds(45), l -> hasBody(l, "commit-by-check"));
            Compat.await("a check-back for both messages, got " + checkedAt, Duration.ofSeconds(30),
                () -> checkedAt.containsKey("rollback-by-check") && checkedAt.containsKey("commit-by-check"));
            got = new ArrayList<>(got);
            got.addAll(consumer.receive(16, Compat.INVISIBLE));
            assertFalse(hasBody(got, "rollback-by-check"), "rolled back by the checker yet delivered: " + Compat.describe(got));
            assertEquals(1, got.stream().map(v -> v.getMessageId().toString()).distinct().count(), Compat.describe(got));
            if (Compat.isApogee()) {
                // Apogee's promise (spec/transactions.md): a transaction ends once. RocketMQ may check a committed
                // transaction again before its op message is seen and then stores the message twice
                // (apache/rocketmq#5574), so against the reference only the distinct message count is exact.
                assertEquals(1, got.size(), Compat.describe(got));
            }
            System.out.printf("[%s] first check-backs after (ms since send): %s%n", Compat.target(), checkedAt);
            consumer.ack(got.get(0));
        }
    }

    @Test
    void checkerAnsweringUnknownIsAskedAgain() throws Exception {
        String tag = Compat.uniqueTag("txunknown");
        AtomicInteger checks = new AtomicInteger();
        List<Long> checkTimes = new ArrayList<>();
        long t0 = System.nanoTime();
        try (SimpleConsumer consumer = consumer(tag); Producer producer = producer(view -> {
            if (!tag.equals(view.getTag().orElse(null))) {
                return TransactionResolution.UNKNOWN;
            }
            synchronized (checkTimes) {
                checkTimes.add((System.nanoTime() - t0) / 1_000_000);
            }
            return checks.incrementAndGet() == 1 ? TransactionResolution.UNKNOWN : TransactionResolution.COMMIT;
        })) {
            sendHalf(producer, producer.beginTransaction(), tag, "unknown-then-commit");
            List<MessageView> got = Compat.receiveUntil(consumer, Compat.INVISIBLE, Duration.ofSeconds(60), l -> !l.isEmpty());
            assertEquals("unknown-then-commit", Compat.body(got.get(0)));
            assertTrue(checks.get() >= 2, "expected a second check-back after UNKNOWN, checks=" + checks.get());
            synchronized (checkTimes) {
                System.out.printf("[%s] check-backs at (ms since send): %s%n", Compat.target(), checkTimes);
            }
            consumer.ack(got.get(0));
        }
    }
}
