package dev.apogee.compat;

import static dev.apogee.compat.Compat.PROVIDER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.rocketmq.client.apis.ClientException;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.Message;
import org.apache.rocketmq.client.apis.message.MessageView;
import org.apache.rocketmq.client.apis.producer.Producer;
import org.apache.rocketmq.client.apis.producer.SendReceipt;
import org.apache.rocketmq.client.java.exception.NotFoundException;
import org.junit.jupiter.api.Test;

class ProducerTest {

    private static Producer producer(String topic) throws ClientException {
        return PROVIDER.newProducerBuilder()
            .setClientConfiguration(Compat.clientConfiguration())
            .setTopics(topic)
            .build();
    }

    @Test
    void normalMessageIsDeliveredWithItsTagKeysAndProperties() throws Exception {
        String topic = Compat.normalTopic();
        String tag = Compat.uniqueTag("normal");
        try (SimpleConsumer consumer = Compat.simpleConsumer(Compat.uniqueGroup("normal"), topic, Compat.tag(tag));
             Producer producer = producer(topic)) {
            Message msg = PROVIDER.newMessageBuilder()
                .setTopic(topic)
                .setTag(tag)
                .setKeys("key-a", "key-b")
                .addProperty("region", "eu")
                .setBody(Compat.utf8("hello"))
                .build();
            SendReceipt receipt = producer.send(msg);
            assertNotNull(receipt.getMessageId());

            List<MessageView> got = Compat.receiveUntil(consumer, Compat.INVISIBLE, Duration.ofSeconds(20), l -> !l.isEmpty());
            assertEquals(1, got.size(), Compat.describe(got));
            MessageView view = got.get(0);
            assertEquals(receipt.getMessageId().toString(), view.getMessageId().toString());
            assertEquals(topic, view.getTopic());
            assertEquals("hello", Compat.body(view));
            assertEquals(tag, view.getTag().orElse(null));
            assertEquals(Set.of("key-a", "key-b"), new HashSet<>(view.getKeys()));
            assertEquals("eu", view.getProperties().get("region"));
            assertEquals(1, view.getDeliveryAttempt());
            assertFalse(view.getMessageGroup().isPresent(), "a normal message has no message group");
            assertFalse(view.getDeliveryTimestamp().isPresent(), "a normal message has no delivery timestamp");
            assertFalse(view.getBornHost().isEmpty());
            assertTrue(view.getBornTimestamp() > 0);
            System.out.printf("[%s] normal message properties seen by the consumer: %s%n", Compat.target(), view.getProperties());
            consumer.ack(view);
        }
    }

    @Test
    void fifoMessagesArriveInSendOrderPerMessageGroup() throws Exception {
        String topic = Compat.fifoTopic();
        String tag = Compat.uniqueTag("fifo");
        List<String> groups = List.of("order-1", "order-2");
        int perGroup = 5;
        try (SimpleConsumer consumer = Compat.simpleConsumer(Compat.uniqueGroup("fifo"), topic, Compat.tag(tag));
             Producer producer = producer(topic)) {
            for (int i = 0; i < perGroup; i++) {
                for (String g : groups) {
                    producer.send(PROVIDER.newMessageBuilder()
                        .setTopic(topic)
                        .setTag(tag)
                        .setMessageGroup(g)
                        .setBody(Compat.utf8(g + "#" + i))
                        .build());
                }
            }
            List<MessageView> got = Compat.receiveUntil(consumer, Compat.INVISIBLE, Duration.ofSeconds(20),
                l -> l.size() >= groups.size() * perGroup);
            assertEquals(groups.size() * perGroup, got.size(), Compat.describe(got));
            Map<String, List<String>> byGroup = new HashMap<>();
            for (MessageView v : got) {
                String g = v.getMessageGroup().orElseThrow(() -> new AssertionError("FIFO message without group: " + Compat.describe(List.of(v))));
                byGroup.computeIfAbsent(g, k -> new ArrayList<>()).add(Compat.body(v));
                consumer.ack(v);
            }
            for (String g : groups) {
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < perGroup; i++) {
                    expected.add(g + "#" + i);
                }
                assertEquals(expected, byGroup.get(g), "order within message group " + g);
            }
        }
    }

    @Test
    void delayMessageIsNotDeliveredBeforeItsDeliveryTimestamp() throws Exception {
        String topic = Compat.delayTopic();
        String tag = Compat.uniqueTag("delay");
        try (SimpleConsumer consumer = Compat.simpleConsumer(Compat.uniqueGroup("delay"), topic, Compat.tag(tag));
             Producer producer = producer(topic)) {
            long deliverAt = System.currentTimeMillis() + 3_000;
            producer.send(PROVIDER.newMessageBuilder()
                .setTopic(topic)
                .setTag(tag)
                .setDeliveryTimestamp(deliverAt)
                .setBody(Compat.utf8("later"))
                .build());
            List<MessageView> got = Compat.receiveUntil(consumer, Compat.INVISIBLE, Duration.ofSeconds(20), l -> !l.isEmpty());
            long receivedAt = System.currentTimeMillis();
            assertEquals(1, got.size(), Compat.describe(got));
            MessageView view = got.get(0);
            assertEquals("later", Compat.body(view));
            assertEquals(deliverAt, view.getDeliveryTimestamp().orElse(-1L));
            System.out.printf("[%s] delay message received %d ms after its delivery timestamp%n", Compat.target(), receivedAt - deliverAt);
            assertTrue(receivedAt >= deliverAt, "delivered " + (deliverAt - receivedAt) + " ms early");
            consumer.ack(view);
        }
    }

    @Test
    void producerForUnknownTopicFailsToStartWithTopicNotFound() {
        String topic = "compat-no-such-topic-" + Compat.uniqueTag("x");
        // The client wraps the route failure: IllegalStateException(service FAILED) <- ... <- NotFoundException.
        Throwable e = assertThrows(Throwable.class, () -> producer(topic).close());
        NotFoundException notFound = Compat.causeOfType(e, NotFoundException.class);
        assertNotNull(notFound, "expected a NotFoundException in the cause chain of " + e);
        System.out.printf("[%s] unknown topic at producer start: %s%n", Compat.target(), notFound.getMessage());
        assertTrue(notFound.getMessage().contains("response-code=40402"), "expected TOPIC_NOT_FOUND (40402): " + notFound.getMessage());
    }
}
