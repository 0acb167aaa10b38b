package dev.apogee.compat.remoting;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * What every test needs: the target's name server, per-run names, clients that each get their own client
 * instance (so tests running side by side never share a connection pool or a group registration), and polling.
 */
final class Remoting {
    /** Topics that exist on both targets (the reference creates them at start, compat-java creates them on Apogee). */
    static final String NORMAL_TOPIC = "RemotingNormal";
    static final String FIFO_TOPIC = "RemotingFifo";
    static final String DELAY_TOPIC = "RemotingDelay";
    static final String TRANSACTION_TOPIC = "RemotingTransaction";

    static final String NAMESRV = required("apogee.remoting.namesrv", "APOGEE_REMOTING_NAMESRV",
        "set APOGEE_REMOTING_NAMESRV=host:port (Apogee's namesrv= or the reference's name server)");
    static final String TARGET = orDefault(setting("apogee.remoting.target", "APOGEE_REMOTING_TARGET"), "apogee");
    /** One id per JVM run: tags, keys and groups carry it, so earlier runs' messages never count. */
    static final String RUN = "r" + UUID.randomUUID().toString().substring(0, 8);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private Remoting() {}

    static String setting(String property, String env) {
        String v = System.getProperty(property);
        return v != null && !v.isEmpty() ? v : System.getenv(env);
    }

    private static String orDefault(String v, String d) {
        return v == null || v.isEmpty() ? d : v;
    }

    static String required(String property, String env, String hint) {
        String v = setting(property, env);
        if (v == null || v.isEmpty()) {
            fail("missing " + env + ": " + hint);
        }
        return v;
    }

    static boolean againstApogee() {
        return "apogee".equalsIgnoreCase(TARGET);
    }

    static String name(String what) {
        return what + "-" + RUN;
    }

    static String instance() {
        return RUN + "-" + INSTANCES.incrementAndGet();
    }

    static DefaultMQProducer producer(String group) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer(group);
        p.setNamesrvAddr(NAMESRV);
        p.setInstanceName(instance());
        p.setSendMsgTimeout(10_000);
        p.start();
        return p;
    }

    /** A push consumer that starts at the first offset: per-run tags decide what a test counts, not timing. */
    static DefaultMQPushConsumer pushConsumer(String group) {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
        c.setNamesrvAddr(NAMESRV);
        c.setInstanceName(instance());
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        return c;
    }

    /**
     * setMessageModel(BROADCASTING) by reflection: MessageModel moved package between 4.x and 5.x, and this
     * module compiles against both.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void broadcasting(DefaultMQPushConsumer c) throws Exception {
        Class type = c.getMessageModel().getDeclaringClass();
        Object model = Enum.valueOf(type, "BROADCASTING");
        DefaultMQPushConsumer.class.getMethod("setMessageModel", type).invoke(c, model);
    }

    static String body(MessageExt m) {
        return new String(m.getBody(), StandardCharsets.UTF_8);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void await(Duration timeout, String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Messages a listener saw, by key, with every delivery kept (redeliveries count). */
    static final class Deliveries {
        final Map<String, List<MessageExt>> byKey = new ConcurrentHashMap<>();
        final List<MessageExt> all = new CopyOnWriteArrayList<>();

        void add(MessageExt m) {
            all.add(m);
            byKey.computeIfAbsent(m.getKeys(), k -> new CopyOnWriteArrayList<>()).add(m);
        }

        int distinct() {
            return byKey.size();
        }
    }

    static void log(String format, Object... args) {
        System.out.printf("[" + TARGET + "] " + format + "%n", args);
    }
}
