package dev.apogee.compat.remoting;

import static dev.apogee.compat.remoting.Remoting.TRANSACTION_TOPIC;
import static dev.apogee.compat.remoting.Remoting.await;
import static dev.apogee.compat.remoting.Remoting.bytes;
import static dev.apogee.compat.remoting.Remoting.log;
import static dev.apogee.compat.remoting.Remoting.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;

/** TransactionMQProducer: the textbook program, immediate commit and rollback, and a check-back after a crash. */
class TransactionTest {
    /** A consumer of the transaction topic that keeps only this run's messages with the given tag. */
    private static DefaultMQPushConsumer consumer(String group, String tag, Remoting.Deliveries into) throws Exception {
        DefaultMQPushConsumer c = Remoting.pushConsumer(group);
        c.subscribe(TRANSACTION_TOPIC, tag);
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            msgs.forEach(into::add);
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        return c;
    }

    @Test
    void theTextbookProgramCommitsThroughACheckBack() throws Exception {
        String tag = name("textbook");
        Remoting.Deliveries got = new Remoting.Deliveries();
        DefaultMQPushConsumer consumer = consumer(name("textbook-consumer"), tag, got);
        AtomicInteger checks = new AtomicInteger();
        // The program, as a new user writes it (only the tag and key are per run).
        TransactionMQProducer p = new TransactionMQProducer("test-trans-producer");
        p.setNamesrvAddr(Remoting.NAMESRV);
        p.setInstanceName(Remoting.instance());
        p.setExecutorService(new ThreadPoolExecutor(2, 5, 100, TimeUnit.SECONDS, new ArrayBlockingQueue<>(2000)));
        p.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                return LocalTransactionState.UNKNOW;
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                checks.incrementAndGet();
                return LocalTransactionState.COMMIT_MESSAGE;
            }
        });
        p.start();
        try {
            Message m = new Message(TRANSACTION_TOPIC, tag, name("hello"), bytes("hello world"));
            long sentAt = System.currentTimeMillis();
            SendResult r = p.sendMessageInTransaction(m, null);
            assertEquals(SendStatus.SEND_OK, r.getSendStatus());
            assertNotNull(r.getTransactionId(), "a transactional send carries its transaction id");
            await(Duration.ofSeconds(60), "the check-back to commit the message", () -> got.distinct() == 1);
            assertTrue(checks.get() >= 1, "committed by a check-back");
            assertEquals("hello world", Remoting.body(got.all.get(0)));
            log("textbook program: committed by check-back after %d ms", System.currentTimeMillis() - sentAt);
        } finally {
            p.shutdown();
            consumer.shutdown();
        }
    }

    @Test
    void commitIsDeliveredRollbackNeverAndNeitherIsCheckedBack() throws Exception {
        String tag = name("ended");
        Remoting.Deliveries got = new Remoting.Deliveries();
        DefaultMQPushConsumer consumer = consumer(name("ended-consumer"), tag, got);
        Map<String, Integer> checks = new ConcurrentHashMap<>();
        TransactionMQProducer p = new TransactionMQProducer(name("ended-producer"));
        p.setNamesrvAddr(Remoting.NAMESRV);
        p.setInstanceName(Remoting.instance());
        p.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                return (LocalTransactionState) arg;
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                checks.merge(msg.getKeys(), 1, Integer::sum);
                return msg.getKeys().startsWith("commit") ? LocalTransactionState.COMMIT_MESSAGE : LocalTransactionState.ROLLBACK_MESSAGE;
            }
        });
        p.start();
        try {
            for (int i = 0; i < 5; i++) {
                TransactionSendResult c = p.sendMessageInTransaction(new Message(TRANSACTION_TOPIC, tag, "commit-" + i, bytes("c" + i)), LocalTransactionState.COMMIT_MESSAGE);
                TransactionSendResult rb = p.sendMessageInTransaction(new Message(TRANSACTION_TOPIC, tag, "rollback-" + i, bytes("r" + i)), LocalTransactionState.ROLLBACK_MESSAGE);
                assertEquals(SendStatus.SEND_OK, c.getSendStatus());
                assertEquals(LocalTransactionState.COMMIT_MESSAGE, c.getLocalTransactionState());
                assertEquals(LocalTransactionState.ROLLBACK_MESSAGE, rb.getLocalTransactionState());
            }
            await(Duration.ofSeconds(30), "five committed messages", () -> got.distinct() == 5);
            // Past the check immunity and one check interval: a rolled-back message would have shown by now.
            Thread.sleep(9_000);
            assertEquals(5, got.distinct(), "only the committed ones: " + got.byKey.keySet());
            assertTrue(got.byKey.keySet().stream().allMatch(k -> k.startsWith("commit-")), got.byKey.keySet().toString());
            if (Remoting.againstApogee()) {
                assertEquals(Map.of(), checks, "Apogee never checks back a transaction already ended");
            } else {
                log("check-backs of transactions ended at once (RocketMQ allows them, apache/rocketmq#8003): %s", checks);
            }
        } finally {
            p.shutdown();
            consumer.shutdown();
        }
    }

    @Test
    void aKilledProducersTransactionIsCheckedOnAnotherProducerOfItsGroupOnly() throws Exception {
        String group = name("crash-producer");
        String key = name("crashed-order");
        Remoting.Deliveries got = new Remoting.Deliveries();
        DefaultMQPushConsumer consumer = consumer(name("crash-consumer"), "killed", got);
        List<String> checkedHere = new CopyOnWriteArrayList<>();
        List<String> checkedElsewhere = new CopyOnWriteArrayList<>();
        // The survivor: same group, this JVM. It commits what it is asked about.
        TransactionMQProducer survivor = new TransactionMQProducer(group);
        survivor.setNamesrvAddr(Remoting.NAMESRV);
        survivor.setInstanceName(Remoting.instance());
        survivor.setTransactionListener(listener(checkedHere, LocalTransactionState.COMMIT_MESSAGE));
        survivor.start();
        // A producer of another group on the same topic must never be asked.
        TransactionMQProducer stranger = new TransactionMQProducer(name("other-group"));
        stranger.setNamesrvAddr(Remoting.NAMESRV);
        stranger.setInstanceName(Remoting.instance());
        stranger.setTransactionListener(listener(checkedElsewhere, LocalTransactionState.ROLLBACK_MESSAGE));
        stranger.start();
        // A classic producer heartbeats only to brokers it has routes for (there is no TBW102 default route here),
        // so each of them first sends a transaction of its own, ended at once, as a working producer would have.
        survivor.sendMessageInTransaction(new Message(TRANSACTION_TOPIC, "survivor", name("survivor"), bytes("x")), null);
        stranger.sendMessageInTransaction(new Message(TRANSACTION_TOPIC, "stranger", name("stranger"), bytes("x")), null);

        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
            "-Drocketmq.client.logRoot=target/client-logs", HalfMessageSender.class.getName(),
            Remoting.NAMESRV, group, TRANSACTION_TOPIC, key).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            String sent = null;
            StringBuilder childOut = new StringBuilder();
            while ((line = out.readLine()) != null) {
                childOut.append(line).append('\n');
                if (line.startsWith("SENT ")) {
                    sent = line;
                    break;
                }
            }
            assertNotNull(sent, "the child producer sent its half message; it printed:\n" + childOut);
            assertTrue(sent.startsWith("SENT SEND_OK "), sent);
            child.destroyForcibly(); // SIGKILL: no unregister, no goodbye
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            long killedAt = System.currentTimeMillis();
            await(Duration.ofSeconds(60), "the survivor's commit after a check-back", () -> got.byKey.containsKey(key));
            log("killed producer's transaction checked on its group's survivor and committed %d ms after the kill", System.currentTimeMillis() - killedAt);
            assertTrue(checkedHere.contains(key), "the survivor was asked: " + checkedHere);
            assertFalse(checkedElsewhere.contains(key), "a producer of another group was asked: " + checkedElsewhere);
            assertEquals(1, got.byKey.get(key).size(), "delivered once");
        } finally {
            child.destroyForcibly();
            survivor.shutdown();
            stranger.shutdown();
            consumer.shutdown();
        }
    }

    private static TransactionListener listener(List<String> checked, LocalTransactionState answer) {
        return new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                return LocalTransactionState.COMMIT_MESSAGE;
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                checked.add(msg.getKeys());
                return answer;
            }
        };
    }
}
