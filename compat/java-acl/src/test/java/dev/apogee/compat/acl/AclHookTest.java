package dev.apogee.compat.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.remoting.RPCHook;
import org.junit.jupiter.api.Test;

/**
 * The classic client signs every request (name server and broker) with AclClientRPCHook; Apogee verifies the
 * signatures and applies the ACL: the right user sends and consumes, a wrong secret is refused before any send,
 * a user without PUB gets NO_PERMISSION (16).
 */
class AclHookTest {
    private static final String NAMESRV = env("APOGEE_ACL_NAMESRV");
    private static final String TOPIC = env("APOGEE_ACL_TOPIC");
    private static final String GROUP = env("APOGEE_ACL_GROUP");
    private static final String RUN = "r" + UUID.randomUUID().toString().substring(0, 8);
    private static int instances;

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            fail("missing " + name + " (run through scripts/compat-java-acl.mjs)");
        }
        return v;
    }

    private static RPCHook hook(String user) {
        return new AclClientRPCHook(new SessionCredentials(env("APOGEE_ACL_" + user + "_AK"), env("APOGEE_ACL_" + user + "_SK")));
    }

    private static DefaultMQProducer producer(RPCHook hook) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer("acl-producer-" + RUN, hook);
        p.setNamesrvAddr(NAMESRV);
        p.setInstanceName(RUN + "-" + (++instances));
        p.setSendMsgTimeout(10_000);
        p.setRetryTimesWhenSendFailed(0);
        p.start();
        return p;
    }

    private static Message message(String body) {
        return new Message(TOPIC, "acl", RUN + "-" + body, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void signedProducerAndConsumerWork() throws Exception {
        DefaultMQProducer p = producer(hook("PRODUCER"));
        List<String> got = new CopyOnWriteArrayList<>();
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(GROUP, hook("CONSUMER"), new AllocateMessageQueueAveragely());
        try {
            SendResult r = p.send(message("signed-1"));
            assertEquals(SendStatus.SEND_OK, r.getSendStatus());
            c.setNamesrvAddr(NAMESRV);
            c.setInstanceName(RUN + "-" + (++instances));
            c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
            c.subscribe(TOPIC, "*");
            c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
                msgs.forEach(m -> got.add(new String(m.getBody(), StandardCharsets.UTF_8)));
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
            c.start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!got.contains("signed-1")) {
                if (System.nanoTime() > deadline) {
                    fail("the signed consumer did not receive the message in 30 s; got " + got);
                }
                Thread.sleep(50);
            }
        } finally {
            c.shutdown();
            p.shutdown();
        }
    }

    @Test
    void wrongSecretIsRefused() throws Exception {
        RPCHook wrong = new AclClientRPCHook(new SessionCredentials(env("APOGEE_ACL_PRODUCER_AK"), "not-the-secret"));
        DefaultMQProducer p = producer(wrong);
        try {
            // The name server refuses the route look-up, so the send never reaches a broker.
            Exception e = assertThrows(Exception.class, () -> p.send(message("wrong-secret")));
            System.out.println("[acl] wrong secret: " + e);
        } finally {
            p.shutdown();
        }
    }

    @Test
    void userWithoutPubGetsNoPermission() throws Exception {
        DefaultMQProducer p = producer(hook("CONSUMER"));
        try {
            Exception thrown = assertThrows(Exception.class, () -> p.send(message("sub-only")));
            // The producer wraps the broker's answer in an MQClientException when it gives up.
            Throwable t = thrown;
            while (t != null && !(t instanceof MQBrokerException)) {
                t = t.getCause();
            }
            assertTrue(t instanceof MQBrokerException, "expected a broker refusal, got " + thrown);
            MQBrokerException e = (MQBrokerException) t;
            assertEquals(16, e.getResponseCode(), e.toString());
            assertTrue(String.valueOf(e.getErrorMessage()).contains("has no permission on topic " + TOPIC), e.toString());
        } finally {
            p.shutdown();
        }
    }
}
