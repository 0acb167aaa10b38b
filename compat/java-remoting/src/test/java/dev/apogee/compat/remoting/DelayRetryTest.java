package dev.apogee.compat.remoting;

import static dev.apogee.compat.remoting.Remoting.DELAY_TOPIC;
import static dev.apogee.compat.remoting.Remoting.NORMAL_TOPIC;
import static dev.apogee.compat.remoting.Remoting.await;
import static dev.apogee.compat.remoting.Remoting.bytes;
import static dev.apogee.compat.remoting.Remoting.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;

/** Delay levels, reconsume-later through the retry topic, and the dead-letter queue. */
class DelayRetryTest {
    @Test
    void delayLevelTwoArrivesAfterFiveSeconds() throws Exception {
        String tag = name("delay");
        Map<String, Long> arrivedAt = new ConcurrentHashMap<>();
        DefaultMQPushConsumer c = Remoting.pushConsumer(name("delay-consumer"));
        c.subscribe(DELAY_TOPIC, tag);
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            msgs.forEach(m -> arrivedAt.putIfAbsent(m.getKeys(), System.currentTimeMillis()));
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        DefaultMQProducer p = Remoting.producer(name("delay-producer"));
        try {
            Thread.sleep(2_000); // the consumer's first pulls are out, so arrival time is the delivery time
            Message m = new Message(DELAY_TOPIC, tag, name("delayed"), bytes("later"));
            m.setDelayTimeLevel(2); // 5 s in RocketMQ's default ladder
            long sentAt = System.currentTimeMillis();
            assertEquals(SendStatus.SEND_OK, p.send(m).getSendStatus());
            await(Duration.ofSeconds(60), "the delayed message", () -> arrivedAt.containsKey(name("delayed")));
            long waited = arrivedAt.get(name("delayed")) - sentAt;
            Remoting.log("delay level 2 delivered after %d ms", waited);
            assertTrue(waited >= 4_500, "not before its delay: " + waited + " ms");
            assertTrue(waited < 20_000, "not long after its delay: " + waited + " ms");
        } finally {
            p.shutdown();
            c.shutdown();
        }
    }

    @Test
    void reconsumeLaterRetriesThenDeadLetters() throws Exception {
        String group = name("retry-consumer");
        String tag = name("retry");
        String key = name("poison");
        List<MessageExt> deliveries = new CopyOnWriteArrayList<>();
        DefaultMQPushConsumer c = Remoting.pushConsumer(group);
        c.subscribe(NORMAL_TOPIC, tag);
        c.setMaxReconsumeTimes(2); // three deliveries, then %DLQ%group
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            deliveries.addAll(msgs);
            ctx.setDelayLevelWhenNextConsume(1); // 1 s between attempts instead of 10 s, 30 s
            return ConsumeConcurrentlyStatus.RECONSUME_LATER;
        });
        c.start();
        DefaultMQProducer p = Remoting.producer(name("retry-producer"));
        try {
            assertEquals(SendStatus.SEND_OK, p.send(new Message(NORMAL_TOPIC, tag, key, bytes("fails always"))).getSendStatus());
            await(Duration.ofSeconds(90), "three deliveries", () -> deliveries.size() >= 3);
            List<Integer> times = deliveries.stream().map(MessageExt::getReconsumeTimes).toList();
            assertEquals(List.of(0, 1, 2), times.subList(0, 3), "reconsume times count up");
            assertTrue(deliveries.stream().allMatch(m -> key.equals(m.getKeys()) && "fails always".equals(Remoting.body(m))));
            // The dead letter is found by key on %DLQ%<group>.
            String dlq = "%DLQ%" + group;
            long from = System.currentTimeMillis() - 600_000;
            List<MessageExt>[] found = new List[1];
            await(Duration.ofSeconds(60), "the dead letter on " + dlq, () -> {
                try {
                    found[0] = p.queryMessage(dlq, key, 32, from, System.currentTimeMillis() + 60_000).getMessageList();
                    return !found[0].isEmpty();
                } catch (Exception e) {
                    return false; // the DLQ topic appears with the first dead letter
                }
            });
            assertEquals("fails always", Remoting.body(found[0].get(0)));
            Thread.sleep(3_000);
            assertEquals(3, deliveries.size(), "no fourth delivery after the dead letter");
        } finally {
            p.shutdown();
            c.shutdown();
        }
    }
}
