package dev.apogee.examples.transaction;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * The classic transactional-order example: an order service publishes "order created" inside a local
 * transaction; logistics, points and cart each consume committed orders only.
 *
 * <pre>mvn -q compile exec:java -Dexec.args="127.0.0.1:19876 [topic]"</pre>
 */
public final class TransactionProducerExample {
    public static final String PRODUCER_GROUP = "test-trans-producer";
    public static final String DEFAULT_TOPIC = "TopicTransactionOrder";
    public static final List<String> SERVICES = List.of("logistics", "points", "cart");
    /** Order suffix → scenario; the committed ones are what every consumer must get. */
    public static final Map<String, String> SCENARIOS = orderedScenarios();

    private static Map<String, String> orderedScenarios() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("1", "commit");
        m.put("2", "rollback");
        m.put("3", "unknown-then-commit");
        m.put("4", "unknown-then-rollback");
        return m;
    }

    /** What one run observed. */
    public record Result(String runId, Map<String, String> sendStatus, Map<String, Set<String>> received,
                         Map<String, Integer> checkBacks, Set<String> expected) {
        public boolean asExpected() {
            return received.values().stream().allMatch(expected::equals)
                && checkBacks.get(runId + "-3") > 0 && checkBacks.get(runId + "-4") > 0;
        }
    }

    private TransactionProducerExample() {
    }

    public static Result run(String namesrv, String topic, Duration timeout, PrintStream out) throws Exception {
        String runId = "run" + UUID.randomUUID().toString().substring(0, 8);
        OrderLedger ledger = new OrderLedger();
        OrderTransactionListener listener = new OrderTransactionListener(ledger, out);

        AtomicInteger threads = new AtomicInteger();
        ExecutorService checkBackExecutor = new ThreadPoolExecutor(2, 5, 100, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(2000), r -> {
                Thread t = new Thread(r, "transaction-check-back-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        TransactionMQProducer producer = new TransactionMQProducer(PRODUCER_GROUP);
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName("order-service-" + runId);
        producer.setExecutorService(checkBackExecutor);
        producer.setTransactionListener(listener);

        List<OrderConsumer> consumers = new ArrayList<>();
        try {
            producer.start();
            // Fail fast, with a clear reason, when the name server does not know the topic (or is no name server).
            List<MessageQueue> queues;
            try {
                queues = producer.fetchPublishMessageQueues(topic);
            } catch (MQClientException e) {
                throw new IllegalStateException("no route for topic " + topic + " from the name server at " + namesrv
                    + ": " + e.getErrorMessage(), e);
            }
            out.printf("topic %s has %d queues; run %s%n", topic, queues.size(), runId);

            for (String service : SERVICES) {
                OrderConsumer c = new OrderConsumer(service, namesrv, topic, runId, out);
                consumers.add(c);
                c.start();
            }
            await("consumers to be assigned queues", timeout, () -> consumers.stream().allMatch(OrderConsumer::assigned));

            Map<String, String> sendStatus = new LinkedHashMap<>();
            for (var e : SCENARIOS.entrySet()) {
                String orderId = runId + "-" + e.getKey();
                Message msg = new Message(topic, "order-created", orderId,
                    ("{\"orderId\":\"" + orderId + "\",\"scenario\":\"" + e.getValue() + "\"}").getBytes(StandardCharsets.UTF_8));
                msg.putUserProperty(OrderTransactionListener.SCENARIO, e.getValue());
                TransactionSendResult result = producer.sendMessageInTransaction(msg, null);
                out.printf("order %s (%s): send status %s, local transaction %s, msgId %s%n", orderId, e.getValue(),
                    result.getSendStatus(), result.getLocalTransactionState(), result.getMsgId());
                sendStatus.put(orderId, result.getSendStatus() + "/" + result.getLocalTransactionState());
            }

            Set<String> expected = Set.of(runId + "-1", runId + "-3");
            await("every consumer to receive the committed orders " + expected, timeout,
                () -> consumers.stream().allMatch(c -> c.received().containsAll(expected))
                    && listener.checks(runId + "-3") > 0 && listener.checks(runId + "-4") > 0);

            Map<String, Set<String>> received = new LinkedHashMap<>();
            for (OrderConsumer c : consumers) {
                received.put(c.service(), c.received());
            }
            Map<String, Integer> checkBacks = new LinkedHashMap<>();
            for (String suffix : SCENARIOS.keySet()) {
                checkBacks.put(runId + "-" + suffix, listener.checks(runId + "-" + suffix));
            }
            return new Result(runId, sendStatus, received, checkBacks, expected);
        } finally {
            for (OrderConsumer c : consumers) {
                c.close();
            }
            producer.shutdown();
            checkBackExecutor.shutdownNow();
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    public static void main(String[] args) throws Exception {
        String namesrv = args.length > 0 ? args[0] : System.getenv().getOrDefault("ROCKETMQ_NAMESRV_ADDR", "127.0.0.1:9876");
        String topic = args.length > 1 ? args[1] : DEFAULT_TOPIC;
        Result r = run(namesrv, topic, Duration.ofSeconds(60), System.out);
        System.out.printf("received: %s%ncheck-backs: %s%n", r.received(), r.checkBacks());
        System.out.println(r.asExpected() ? "OK: every service got exactly the committed orders" : "UNEXPECTED: see above");
        System.exit(r.asExpected() ? 0 : 1);
    }
}
