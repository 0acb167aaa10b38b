package dev.apogee.compat.remoting;

import static dev.apogee.compat.remoting.Remoting.NORMAL_TOPIC;
import static dev.apogee.compat.remoting.Remoting.bytes;
import static dev.apogee.compat.remoting.Remoting.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Test;

/** DefaultLitePullConsumer: subscribe and poll; assign a queue and seek. */
class LitePullTest {
    private static DefaultLitePullConsumer consumer(String group) {
        DefaultLitePullConsumer c = new DefaultLitePullConsumer(group);
        c.setNamesrvAddr(Remoting.NAMESRV);
        c.setInstanceName(Remoting.instance());
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setPollTimeoutMillis(1_000);
        return c;
    }

    private static List<MessageExt> pollUntil(DefaultLitePullConsumer c, int n, String tag, long timeoutMs) {
        List<MessageExt> got = new ArrayList<>();
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (got.size() < n && System.currentTimeMillis() < deadline) {
            for (MessageExt m : c.poll()) {
                if (tag.equals(m.getTags())) {
                    got.add(m);
                }
            }
        }
        return got;
    }

    @Test
    void subscribeAndPoll() throws Exception {
        String tag = name("lite");
        DefaultMQProducer p = Remoting.producer(name("lite-producer"));
        DefaultLitePullConsumer c = consumer(name("lite-consumer"));
        try {
            c.subscribe(NORMAL_TOPIC, tag);
            c.start();
            for (int i = 0; i < 10; i++) {
                p.send(new Message(NORMAL_TOPIC, tag, name("lite-" + i), bytes("lite " + i)));
            }
            List<MessageExt> got = pollUntil(c, 10, tag, 60_000);
            assertEquals(10, got.stream().map(MessageExt::getKeys).distinct().count(), "ten polled");
        } finally {
            c.shutdown();
            p.shutdown();
        }
    }

    @Test
    void assignAndSeekReadsAQueueFromAnOffset() throws Exception {
        String tag = name("seek");
        DefaultMQProducer p = Remoting.producer(name("seek-producer"));
        DefaultLitePullConsumer c = consumer(name("seek-consumer"));
        try {
            MessageQueue q = p.fetchPublishMessageQueues(NORMAL_TOPIC).get(0);
            Map<Long, String> sent = new TreeMap<>();
            for (int i = 0; i < 6; i++) {
                SendResult r = p.send(new Message(NORMAL_TOPIC, tag, name("seek-" + i), bytes("seek " + i)), q);
                sent.put(r.getQueueOffset(), "seek " + i);
            }
            long third = new ArrayList<>(sent.keySet()).get(2);
            c.setAutoCommit(false);
            c.start();
            c.assign(List.of(q));
            // Read the queue once first, so the pull task is parked in a long poll when we seek: seeking while the
            // client's first pull task is still computing its start offset races inside DefaultLitePullConsumerImpl
            // (the old and the new task can both take the seek offset), on any broker.
            assertEquals(6, pollUntil(c, 6, tag, 60_000).size(), "the whole queue before the seek");
            c.seek(q, third);
            List<MessageExt> got = pollUntil(c, 4, tag, 60_000);
            assertEquals(4, got.size(), "offsets from the third on");
            assertEquals(third, got.get(0).getQueueOffset());
            for (MessageExt m : got) {
                assertEquals(sent.get(m.getQueueOffset()), Remoting.body(m));
            }
            assertTrue(c.committed(q) <= third, "nothing committed with auto-commit off");
        } finally {
            c.shutdown();
            p.shutdown();
        }
    }
}
