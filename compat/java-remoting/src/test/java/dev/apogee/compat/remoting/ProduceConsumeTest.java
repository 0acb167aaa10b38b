package dev.apogee.compat.remoting;

import static dev.apogee.compat.remoting.Remoting.FIFO_TOPIC;
import static dev.apogee.compat.remoting.Remoting.NORMAL_TOPIC;
import static dev.apogee.compat.remoting.Remoting.await;
import static dev.apogee.compat.remoting.Remoting.bytes;
import static dev.apogee.compat.remoting.Remoting.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.MessageSelector;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Test;

/** DefaultMQProducer and DefaultMQPushConsumer: filters, orderly, broadcasting, batches. */
class ProduceConsumeTest {
    private static DefaultMQPushConsumer concurrently(DefaultMQPushConsumer c, Remoting.Deliveries into) throws Exception {
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            msgs.forEach(into::add);
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        return c;
    }

    @Test
    void tagAndSql92FiltersDeliverOnlyWhatMatches() throws Exception {
        String tagA = name("tagA");
        String tagB = name("tagB");
        Remoting.Deliveries byTag = new Remoting.Deliveries();
        Remoting.Deliveries bySql = new Remoting.Deliveries();
        DefaultMQPushConsumer tagConsumer = Remoting.pushConsumer(name("tag-consumer"));
        tagConsumer.subscribe(NORMAL_TOPIC, tagA + " || " + tagB);
        concurrently(tagConsumer, byTag);
        DefaultMQPushConsumer sqlConsumer = Remoting.pushConsumer(name("sql-consumer"));
        sqlConsumer.subscribe(NORMAL_TOPIC, MessageSelector.bySql("run = '" + Remoting.RUN + "' AND amount > 100"));
        concurrently(sqlConsumer, bySql);
        DefaultMQProducer p = Remoting.producer(name("filter-producer"));
        try {
            for (int i = 0; i < 9; i++) {
                String tag = i % 3 == 0 ? tagA : i % 3 == 1 ? tagB : name("tagC");
                Message m = new Message(NORMAL_TOPIC, tag, name("filter-" + i), bytes("m" + i));
                m.putUserProperty("run", Remoting.RUN);
                m.putUserProperty("amount", String.valueOf(i * 50));
                SendResult r = p.send(m);
                assertEquals(SendStatus.SEND_OK, r.getSendStatus());
            }
            // TAG: i = 0, 1, 3, 4, 6, 7. SQL92 amount > 100: i = 3 … 8.
            await(Duration.ofSeconds(60), "six by tag and six by SQL92", () -> byTag.distinct() == 6 && bySql.distinct() == 6);
            Thread.sleep(2_000); // nothing else may follow
            assertEquals(keys(0, 1, 3, 4, 6, 7), byTag.byKey.keySet());
            assertEquals(keys(3, 4, 5, 6, 7, 8), bySql.byKey.keySet());
        } finally {
            p.shutdown();
            tagConsumer.shutdown();
            sqlConsumer.shutdown();
        }
    }

    private static Set<String> keys(int... is) {
        Set<String> s = new TreeSet<>();
        for (int i : is) {
            s.add(name("filter-" + i));
        }
        return s;
    }

    @Test
    void orderlyConsumptionKeepsEachOrdersSequence() throws Exception {
        String tag = name("orderly");
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        DefaultMQPushConsumer c = Remoting.pushConsumer(name("orderly-consumer"));
        c.subscribe(FIFO_TOPIC, tag);
        c.registerMessageListener((MessageListenerOrderly) (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                String[] parts = Remoting.body(m).split(":");
                seen.computeIfAbsent(parts[0], k -> new CopyOnWriteArrayList<>()).add(Integer.parseInt(parts[1]));
            }
            return ConsumeOrderlyStatus.SUCCESS;
        });
        c.start();
        DefaultMQProducer p = Remoting.producer(name("orderly-producer"));
        try {
            int orders = 4;
            int steps = 10;
            for (int s = 0; s < steps; s++) {
                for (int o = 0; o < orders; o++) {
                    Message m = new Message(FIFO_TOPIC, tag, name("order-" + o + "-" + s), bytes("order" + o + ":" + s));
                    // The classic way to keep one order on one queue: a selector over the order id.
                    SendResult r = p.send(m, (mqs, msg, arg) -> mqs.get((Integer) arg % mqs.size()), o);
                    assertEquals(SendStatus.SEND_OK, r.getSendStatus());
                }
            }
            await(Duration.ofSeconds(60), "all steps of all orders",
                () -> seen.values().stream().mapToInt(List::size).sum() >= orders * steps);
            List<Integer> expected = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                expected.add(s);
            }
            for (int o = 0; o < orders; o++) {
                assertEquals(expected, seen.get("order" + o), "order " + o + " in sequence, once each");
            }
        } finally {
            p.shutdown();
            c.shutdown();
        }
    }

    @Test
    void broadcastingDeliversEveryMessageToEveryConsumer() throws Exception {
        String group = name("broadcast");
        String tag = name("broadcast");
        Remoting.Deliveries first = new Remoting.Deliveries();
        Remoting.Deliveries second = new Remoting.Deliveries();
        List<DefaultMQPushConsumer> consumers = new ArrayList<>();
        for (Remoting.Deliveries into : List.of(first, second)) {
            DefaultMQPushConsumer c = Remoting.pushConsumer(group);
            Remoting.broadcasting(c);
            c.subscribe(NORMAL_TOPIC, tag);
            consumers.add(concurrently(c, into));
        }
        DefaultMQProducer p = Remoting.producer(name("broadcast-producer"));
        try {
            for (int i = 0; i < 8; i++) {
                assertEquals(SendStatus.SEND_OK, p.send(new Message(NORMAL_TOPIC, tag, name("b" + i), bytes("b" + i))).getSendStatus());
            }
            await(Duration.ofSeconds(60), "eight messages at both consumers", () -> first.distinct() == 8 && second.distinct() == 8);
            assertEquals(first.byKey.keySet(), second.byKey.keySet());
        } finally {
            p.shutdown();
            consumers.forEach(DefaultMQPushConsumer::shutdown);
        }
    }

    @Test
    void clusteringSharesTheQueuesBetweenTwoConsumers() throws Exception {
        String group = name("cluster");
        String tag = name("cluster");
        Remoting.Deliveries first = new Remoting.Deliveries();
        Remoting.Deliveries second = new Remoting.Deliveries();
        List<DefaultMQPushConsumer> consumers = new ArrayList<>();
        for (Remoting.Deliveries into : List.of(first, second)) {
            DefaultMQPushConsumer c = Remoting.pushConsumer(group);
            c.subscribe(NORMAL_TOPIC, tag);
            consumers.add(concurrently(c, into));
        }
        DefaultMQProducer p = Remoting.producer(name("cluster-producer"));
        try {
            // Let the rebalance settle on two members first, so each owns half the queues.
            Thread.sleep(3_000);
            int n = 40;
            for (int i = 0; i < n; i++) {
                assertEquals(SendStatus.SEND_OK, p.send(new Message(NORMAL_TOPIC, tag, name("c" + i), bytes("c" + i))).getSendStatus());
            }
            await(Duration.ofSeconds(60), "all messages in the group",
                () -> unionSize(first, second) == n);
            Thread.sleep(1_000);
            Set<String> overlap = new TreeSet<>(first.byKey.keySet());
            overlap.retainAll(second.byKey.keySet());
            Remoting.log("clustering: %d and %d messages, %d at both", first.distinct(), second.distinct(), overlap.size());
            assertTrue(first.distinct() > 0 && second.distinct() > 0, "both members consumed");
            assertEquals(Set.of(), overlap, "a message goes to one member of the group");
        } finally {
            p.shutdown();
            consumers.forEach(DefaultMQPushConsumer::shutdown);
        }
    }

    private static int unionSize(Remoting.Deliveries a, Remoting.Deliveries b) {
        Set<String> s = new TreeSet<>(a.byKey.keySet());
        s.addAll(b.byKey.keySet());
        return s.size();
    }

    @Test
    void aBatchLandsInOneQueueInOrder() throws Exception {
        String tag = name("batch");
        Remoting.Deliveries got = new Remoting.Deliveries();
        DefaultMQPushConsumer c = Remoting.pushConsumer(name("batch-consumer"));
        c.subscribe(NORMAL_TOPIC, tag);
        concurrently(c, got);
        DefaultMQProducer p = Remoting.producer(name("batch-producer"));
        try {
            List<Message> batch = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                batch.add(new Message(NORMAL_TOPIC, tag, name("batch-" + i), bytes("batch " + i)));
            }
            SendResult r = p.send(batch);
            assertEquals(SendStatus.SEND_OK, r.getSendStatus());
            assertEquals(16, r.getMsgId().split(",").length, "one message id per message: " + r.getMsgId());
            await(Duration.ofSeconds(60), "the whole batch", () -> got.distinct() == 16);
            Set<Integer> queues = got.all.stream().map(MessageExt::getQueueId).collect(Collectors.toSet());
            assertEquals(Set.of(r.getMessageQueue().getQueueId()), queues, "a batch goes to one queue");
            List<MessageExt> sorted = new ArrayList<>(got.all);
            sorted.sort((x, y) -> Long.compare(x.getQueueOffset(), y.getQueueOffset()));
            for (int i = 0; i < 16; i++) {
                assertEquals("batch " + i, Remoting.body(sorted.get(i)));
                assertEquals(r.getQueueOffset() + i, sorted.get(i).getQueueOffset());
            }
        } finally {
            p.shutdown();
            c.shutdown();
        }
    }

    @Test
    void anUnknownTopicIsRefusedWithTheClientsOwnError() throws Exception {
        DefaultMQProducer p = Remoting.producer(name("unknown-topic-producer"));
        try {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> p.send(new Message(name("NoSuchTopic"), "t", bytes("x"))));
            Remoting.log("unknown topic: %s", e.getMessage().split("\n")[0]);
            assertTrue(e.getMessage().contains("No route info of this topic"), e.getMessage());
            // The producer (and broker) keep working.
            MessageQueue q = p.fetchPublishMessageQueues(NORMAL_TOPIC).get(0);
            assertEquals(NORMAL_TOPIC, q.getTopic());
        } finally {
            p.shutdown();
        }
    }
}
