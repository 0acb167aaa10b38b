package dev.apogee.compat;

import static dev.apogee.compat.Compat.PROVIDER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.rocketmq.client.apis.ClientException;
import org.apache.rocketmq.client.apis.consumer.FilterExpression;
import org.apache.rocketmq.client.apis.consumer.FilterExpressionType;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.MessageView;
import org.apache.rocketmq.client.apis.producer.Producer;
import org.apache.rocketmq.client.apis.producer.SendReceipt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SimpleConsumerTest {
    private static Producer producer;

    @BeforeAll
    static void startProducer() throws ClientException {
        producer = PROVIDER.newProducerBuilder()
            .setClientConfiguration(Compat.clientConfiguration())
            .setTopics(Compat.normalTopic())
            .build();
    }

    @AfterAll
    static void stopProducer() throws Exception {
        if (producer != null) {
            producer.close();
        }
    }

    private static String send(String tag, String body, String... props) throws ClientException {
        var b = PROVIDER.newMessageBuilder().setTopic(Compat.normalTopic()).setTag(tag).setBody(Compat.utf8(body));
        for (int i = 0; i + 1 < props.length; i += 2) {
            b.addProperty(props[i], props[i + 1]);
        }
        SendReceipt r = producer.send(b.build());
        return r.getMessageId().toString();
    }

    private static Set<String> bodies(List<MessageView> views) {
        return views.stream().map(Compat::body).collect(Collectors.toSet());
    }

    @Test
    void ackedMessageStaysGoneWhileUnackedOneIsRedelivered() throws Exception {
        String tag = Compat.uniqueTag("ack");
        try (SimpleConsumer consumer = Compat.simpleConsumer(Compat.uniqueGroup("ack"), Compat.normalTopic(), Compat.tag(tag))) {
            String acked = send(tag, "acked");
            String dropped = send(tag, "dropped");
            Duration invisible = Duration.ofSeconds(10); // the proxy's minimum for receive
            List<MessageView> first = Compat.receiveUntil(consumer, invisible, Duration.ofSeconds(20), l -> l.size() >= 2);
            assertEquals(Set.of("acked", "dropped"), bodies(first), Compat.describe(first));
            for (MessageView v : first) {
                assertEquals(1, v.getDeliveryAttempt());
                if (v.getMessageId().toString().equals(acked)) {
                    consumer.ack(v);
                }
            }
            List<MessageView> again = Compat.receiveUntil(consumer, Compat.INVISIBLE, Duration.ofSeconds(30),
                l -> l.stream().anyMatch(v -> v.getMessageId().toString().equals(dropped)));
            for (MessageView v : again) {
                assertFalse(v.getMessageId().toString().equals(acked), "acked message came back: " + Compat.describe(again));
            }
            MessageView redelivered = again.stream().filter(v -> v.getMessageId().toString().equals(dropped)).findFirst().orElseThrow();
            assertEquals(2, redelivered.getDeliveryAttempt());
            consumer.ack(redelivered);
        }
    }

    @Test
    void changeInvisibleDurationBringsTheMessageBackSooner() throws Exception {
        String tag = Compat.uniqueTag("civ");
        try (SimpleConsumer consumer = Compat.simpleConsumer(Compat.uniqueGroup("civ"), Compat.normalTopic(), Compat.tag(tag))) {
            String id = send(tag, "again");
            List<MessageView> first = Compat.receiveUntil(consumer, Duration.ofSeconds(60), Duration.ofSeconds(20), l -> !l.isEmpty());
            MessageView view = first.get(0);
            assertEquals(id, view.getMessageId().toString());
            long changedAt = System.nanoTime();
            consumer.changeInvisibleDuration(view, Duration.ofSeconds(1));
            // Far sooner than the 60 s it was received with.
            List<MessageView> again = Compat.receiveUntil(consumer, Compat.INVISIBLE, Duration.ofSeconds(15), l -> !l.isEmpty());
            long afterMs = (System.nanoTime() - changedAt) / 1_000_000;
            assertEquals(id, again.get(0).getMessageId().toString());
            assertEquals(2, again.get(0).getDeliveryAttempt());
            assertTrue(afterMs >= 900, "visible again after only " + afterMs + " ms");
            System.out.printf("[%s] message visible again %d ms after changeInvisibleDuration(1 s)%n", Compat.target(), afterMs);
            consumer.ack(again.get(0));
        }
    }

    @Test
    void receiveWithNothingToDeliverReturnsAnEmptyList() throws Exception {
        String tag = Compat.uniqueTag("empty");
        try (SimpleConsumer consumer = Compat.simpleConsumer(Compat.uniqueGroup("empty"), Compat.normalTopic(), Compat.tag(tag))) {
            long t0 = System.nanoTime();
            List<MessageView> got = consumer.receive(16, Compat.INVISIBLE);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(got.isEmpty(), Compat.describe(got));
            System.out.printf("[%s] empty receive (await %d ms) returned after %d ms%n", Compat.target(), Compat.AWAIT.toMillis(), ms);
        }
    }

    @Test
    void tagExpressionWithAlternativesSelectsOnlyThoseTags() throws Exception {
        String base = Compat.uniqueTag("tags");
        String a = base + "-a";
        String b = base + "-b";
        String c = base + "-c";
        FilterExpression either = new FilterExpression(a + "||" + b, FilterExpressionType.TAG);
        try (SimpleConsumer consumer = Compat.simpleConsumer(Compat.uniqueGroup("tags"), Compat.normalTopic(), either)) {
            send(c, "c");
            send(a, "a");
            send(b, "b");
            List<MessageView> got = Compat.receiveUntil(consumer, Compat.INVISIBLE, Duration.ofSeconds(20), l -> l.size() >= 2);
            got = new ArrayList<>(got);
            got.addAll(consumer.receive(16, Compat.INVISIBLE)); // anything else that matched would show up by now
            assertEquals(Set.of("a", "b"), bodies(got), Compat.describe(got));
            assertEquals(2, got.size(), Compat.describe(got));
            for (MessageView v : got) {
                consumer.ack(v);
            }
        }
    }

    @Test
    void sqlExpressionSelectsOnUserProperties() throws Exception {
        String tag = Compat.uniqueTag("sql");
        FilterExpression sql = new FilterExpression("TAGS = '" + tag + "' AND region = 'eu' AND amount > 10", FilterExpressionType.SQL92);
        try (SimpleConsumer consumer = Compat.simpleConsumer(Compat.uniqueGroup("sql"), Compat.normalTopic(), sql)) {
            send(tag, "eu-5", "region", "eu", "amount", "5");
            send(tag, "us-30", "region", "us", "amount", "30");
            send(tag, "eu-20", "region", "eu", "amount", "20");
            List<MessageView> got = Compat.receiveUntil(consumer, Compat.INVISIBLE, Duration.ofSeconds(20), l -> !l.isEmpty());
            got = new ArrayList<>(got);
            got.addAll(consumer.receive(16, Compat.INVISIBLE));
            assertEquals(List.of("eu-20"), got.stream().map(Compat::body).collect(Collectors.toList()), Compat.describe(got));
            consumer.ack(got.get(0));
        }
    }
}
