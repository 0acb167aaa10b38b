package dev.apogee.compat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.rocketmq.client.apis.ClientConfiguration;
import org.apache.rocketmq.client.apis.ClientException;
import org.apache.rocketmq.client.apis.ClientServiceProvider;
import org.apache.rocketmq.client.apis.consumer.FilterExpression;
import org.apache.rocketmq.client.apis.consumer.FilterExpressionType;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.MessageView;

/**
 * Where the suite points and the small helpers every test shares. The endpoint is required: without it the
 * tests fail with the reason (they are never skipped).
 */
final class Compat {
    static final ClientServiceProvider PROVIDER = ClientServiceProvider.loadService();

    /** Minimum invisible duration RocketMQ's proxy accepts on receive is 10 s; stay above it. */
    static final Duration INVISIBLE = Duration.ofSeconds(15);
    /** Long-poll per receive call: short, so loops re-check their deadline often. */
    static final Duration AWAIT = Duration.ofSeconds(2);

    private Compat() {
    }

    static String setting(String property, String env, String fallback) {
        String v = System.getProperty(property);
        if (v == null || v.isEmpty()) {
            v = System.getenv(env);
        }
        return v == null || v.isEmpty() ? fallback : v;
    }

    static String endpoint() {
        String e = setting("apogee.compat.endpoint", "APOGEE_COMPAT_ENDPOINT", null);
        if (e == null) {
            throw new IllegalStateException("no endpoint: set APOGEE_COMPAT_ENDPOINT=host:port (or -Dapogee.compat.endpoint); "
                + "`npm run reference -- start` prints the reference's gRPC endpoint");
        }
        return e;
    }

    /** "reference" or "apogee": only used in messages, the expectations are the same. */
    static String target() {
        return setting("apogee.compat.target", "APOGEE_COMPAT_TARGET", "unnamed");
    }

    /** Apogee's stronger promises (no duplicate after a check-back commit) are asserted only against Apogee. */
    static boolean isApogee() {
        return "apogee".equalsIgnoreCase(target());
    }

    static String normalTopic() {
        return setting("apogee.compat.topic.normal", "APOGEE_COMPAT_TOPIC_NORMAL", "TopicTestForNormal");
    }

    static String fifoTopic() {
        return setting("apogee.compat.topic.fifo", "APOGEE_COMPAT_TOPIC_FIFO", "TopicTestForFifo");
    }

    static String delayTopic() {
        return setting("apogee.compat.topic.delay", "APOGEE_COMPAT_TOPIC_DELAY", "TopicTestForDelay");
    }

    static String transactionTopic() {
        return setting("apogee.compat.topic.transaction", "APOGEE_COMPAT_TOPIC_TRANSACTION", "TopicTestForTransaction");
    }

    static ClientConfiguration clientConfiguration() {
        return ClientConfiguration.newBuilder()
            .setEndpoints(endpoint())
            .enableSsl(Boolean.parseBoolean(setting("apogee.compat.ssl", "APOGEE_COMPAT_SSL", "false")))
            .setRequestTimeout(Duration.ofSeconds(5))
            .build();
    }

    /** A consumer group no other test (or earlier run) has used. */
    static String uniqueGroup(String purpose) {
        return "compat-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A tag no other test has used: topics are shared, tags keep each test's messages apart. */
    static String uniqueTag(String purpose) {
        return purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String body(MessageView view) {
        var buf = view.getBody().duplicate();
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static SimpleConsumer simpleConsumer(String group, String topic, FilterExpression filter) throws ClientException {
        return PROVIDER.newSimpleConsumerBuilder()
            .setClientConfiguration(clientConfiguration())
            .setConsumerGroup(group)
            .setAwaitDuration(AWAIT)
            .setSubscriptionExpressions(Map.of(topic, filter))
            .build();
    }

    static FilterExpression tag(String tag) {
        return new FilterExpression(tag, FilterExpressionType.TAG);
    }

    /**
     * Receives (without acking) until {@code done} holds for everything received so far, or fails at the
     * deadline with what did arrive.
     */
    static List<MessageView> receiveUntil(SimpleConsumer consumer, Duration invisible, Duration deadline,
        Predicate<List<MessageView>> done) throws ClientException {
        List<MessageView> got = new ArrayList<>();
        long until = System.nanoTime() + deadline.toNanos();
        while (!done.test(got)) {
            if (System.nanoTime() > until) {
                throw new AssertionError("[" + target() + "] timed out after " + deadline.toMillis() + " ms; received "
                    + describe(got));
            }
            got.addAll(consumer.receive(16, invisible));
        }
        return got;
    }

    /** Polls a condition with a deadline (no sleep-and-hope). */
    static void await(String what, Duration deadline, BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("[" + target() + "] timed out after " + deadline.toMillis() + " ms waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    static String describe(List<MessageView> views) {
        List<String> parts = new ArrayList<>();
        for (MessageView v : views) {
            parts.add(v.getMessageId() + "(tag=" + v.getTag().orElse("") + ", keys=" + v.getKeys() + ", attempt="
                + v.getDeliveryAttempt() + ", body=" + body(v) + ")");
        }
        return parts.toString();
    }

    /** The first throwable of the given type in the cause chain, or null. */
    static <T extends Throwable> T causeOfType(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
