package dev.apogee.compat.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.spring.annotation.RocketMQMessageListener;
import org.apache.rocketmq.spring.annotation.RocketMQTransactionListener;
import org.apache.rocketmq.spring.core.RocketMQListener;
import org.apache.rocketmq.spring.core.RocketMQLocalTransactionListener;
import org.apache.rocketmq.spring.core.RocketMQLocalTransactionState;
import org.apache.rocketmq.spring.core.RocketMQTemplate;
import org.apache.rocketmq.spring.support.RocketMQHeaders;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.stereotype.Component;

/**
 * A Spring Boot application as its users write one: RocketMQTemplate.sendMessageInTransaction with a
 * {@code @RocketMQTransactionListener} (commit, rollback, and UNKNOWN resolved by the broker's check-back), and a
 * {@code @RocketMQMessageListener} consumer that must receive the committed messages once and the rolled-back
 * one never.
 */
class SpringStarterTest {
    static final String NAMESRV = setting("apogee.spring.namesrv", "APOGEE_SPRING_NAMESRV");
    static final String TARGET = orDefault(setting("apogee.spring.target", "APOGEE_SPRING_TARGET"), "apogee");
    /** Exists on both targets (compat-java creates it on Apogee, the reference launcher on RocketMQ). */
    static final String TOPIC = "RemotingTransaction";
    static final String RUN = "s" + UUID.randomUUID().toString().substring(0, 8);

    static final Map<String, List<String>> RECEIVED = new ConcurrentHashMap<>();
    static final List<String> CHECKED = new CopyOnWriteArrayList<>();

    @SpringBootApplication
    static class App {}

    @Component
    @RocketMQTransactionListener
    static class OrderTransactions implements RocketMQLocalTransactionListener {
        @Override
        public RocketMQLocalTransactionState executeLocalTransaction(Message msg, Object arg) {
            return RocketMQLocalTransactionState.valueOf((String) arg);
        }

        @Override
        public RocketMQLocalTransactionState checkLocalTransaction(Message msg) {
            String keys = String.valueOf(msg.getHeaders().get(RocketMQHeaders.PREFIX + RocketMQHeaders.KEYS));
            CHECKED.add(keys);
            // The truth of each local transaction (RocketMQ may also check ones already ended, apache/rocketmq#8003).
            return keys.startsWith("rollback-") ? RocketMQLocalTransactionState.ROLLBACK : RocketMQLocalTransactionState.COMMIT;
        }
    }

    @Component
    @RocketMQMessageListener(topic = "RemotingTransaction", consumerGroup = "${apogee.spring.consumer-group}", selectorExpression = "${apogee.spring.tag}")
    static class OrderConsumer implements RocketMQListener<MessageExt> {
        @Override
        public void onMessage(MessageExt m) {
            RECEIVED.computeIfAbsent(m.getKeys(), k -> new CopyOnWriteArrayList<>()).add(new String(m.getBody()));
        }
    }

    @Test
    void transactionalSendsThroughTheTemplateAreDeliveredToTheListenerOnlyWhenCommitted() throws Exception {
        assertFalse(NAMESRV == null || NAMESRV.isEmpty(), "set APOGEE_SPRING_NAMESRV=host:port");
        String tag = "spring" + RUN;
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(App.class)
            .web(WebApplicationType.NONE)
            .properties(
                "rocketmq.name-server=" + NAMESRV,
                "rocketmq.producer.group=spring-tx-producer-" + RUN,
                "rocketmq.producer.send-message-timeout=10000",
                "apogee.spring.consumer-group=spring-consumer-" + RUN,
                "apogee.spring.tag=" + tag)
            .run()) {
            RocketMQTemplate template = ctx.getBean(RocketMQTemplate.class);
            String commit = "commit-" + RUN;
            String rollback = "rollback-" + RUN;
            String unknown = "unknown-" + RUN;
            for (String[] c : new String[][] {{commit, "COMMIT"}, {rollback, "ROLLBACK"}, {unknown, "UNKNOWN"}}) {
                Message<String> m = MessageBuilder.withPayload("order " + c[0]).setHeader(RocketMQHeaders.KEYS, c[0]).build();
                TransactionSendResult r = template.sendMessageInTransaction(TOPIC + ":" + tag, m, c[1]);
                assertEquals(SendStatus.SEND_OK, r.getSendStatus(), r.toString());
                LocalTransactionState expected = switch (c[1]) {
                    case "COMMIT" -> LocalTransactionState.COMMIT_MESSAGE;
                    case "ROLLBACK" -> LocalTransactionState.ROLLBACK_MESSAGE;
                    default -> LocalTransactionState.UNKNOW;
                };
                assertEquals(expected, r.getLocalTransactionState(), r.toString());
            }
            await(Duration.ofSeconds(90), "the committed message and the one committed by check-back",
                () -> RECEIVED.containsKey(commit) && RECEIVED.containsKey(unknown));
            System.out.printf("[%s] received %s, checked back %s%n", TARGET, RECEIVED.keySet(), CHECKED);
            assertTrue(CHECKED.contains(unknown), "the UNKNOWN transaction was checked back: " + CHECKED);
            assertEquals(List.of("order " + commit), RECEIVED.get(commit));
            assertEquals(List.of("order " + unknown), RECEIVED.get(unknown));
            assertFalse(RECEIVED.containsKey(rollback), "a rolled-back message was delivered");
            if ("apogee".equals(TARGET)) {
                assertEquals(List.of(unknown), CHECKED, "Apogee checks back only the transaction left UNKNOWN");
            }
        }
    }

    static void await(Duration timeout, String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; received " + RECEIVED.keySet() + ", checked " + CHECKED);
            }
            Thread.sleep(50);
        }
    }

    static String setting(String property, String env) {
        String v = System.getProperty(property);
        return v != null && !v.isEmpty() ? v : System.getenv(env);
    }

    static String orDefault(String v, String d) {
        return v == null || v.isEmpty() ? d : v;
    }
}
