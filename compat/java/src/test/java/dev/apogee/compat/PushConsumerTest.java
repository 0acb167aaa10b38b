package dev.apogee.compat;

import static dev.apogee.compat.Compat.PROVIDER;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.apis.ClientException;
import org.apache.rocketmq.client.apis.consumer.ConsumeResult;
import org.apache.rocketmq.client.apis.consumer.MessageListener;
import org.apache.rocketmq.client.apis.consumer.PushConsumer;
import org.apache.rocketmq.client.apis.producer.Producer;
import org.junit.jupiter.api.Test;

class PushConsumerTest {

    private static PushConsumer pushConsumer(String group, String tag, MessageListener listener) throws ClientException {
        return PROVIDER.newPushConsumerBuilder()
            .setClientConfiguration(Compat.clientConfiguration())
            .setConsumerGroup(group)
            .setSubscriptionExpressions(Map.of(Compat.normalTopic(), Compat.tag(tag)))
            .setConsumptionThreadCount(4)
            .setMessageListener(listener)
            .build();
    }

    private static Producer producer() throws ClientException {
        return PROVIDER.newProducerBuilder()
            .setClientConfiguration(Compat.clientConfiguration())
            .setTopics(Compat.normalTopic())
            .build();
    }

    @Test
    void everyMessageIsConsumedOnce() throws Exception {
        String tag = Compat.uniqueTag("push");
        Map<String, Integer> deliveries = new ConcurrentHashMap<>();
        try (PushConsumer consumer = pushConsumer(Compat.uniqueGroup("push"), tag, view -> {
            deliveries.merge(Compat.body(view), 1, Integer::sum);
            return ConsumeResult.SUCCESS;
        }); Producer producer = producer()) {
            Set<String> sent = new HashSet<>();
            for (int i = 0; i < 5; i++) {
                String body = "push-" + i;
                producer.send(PROVIDER.newMessageBuilder().setTopic(Compat.normalTopic()).setTag(tag).setBody(Compat.utf8(body)).build());
                sent.add(body);
            }
            long t0 = System.nanoTime();
            Compat.await("5 distinct deliveries, got " + deliveries, Duration.ofSeconds(30), () -> deliveries.keySet().containsAll(sent));
            System.out.printf("[%s] push consumer: 5 messages consumed %d ms after the last send%n", Compat.target(),
                (System.nanoTime() - t0) / 1_000_000);
            assertEquals(sent, deliveries.keySet());
            for (var e : deliveries.entrySet()) {
                assertEquals(1, e.getValue(), "deliveries of " + e.getKey() + ": " + deliveries);
            }
        }
    }

    @Test
    void failedConsumptionIsRetriedWithTheNextAttemptNumber() throws Exception {
        String tag = Compat.uniqueTag("retry");
        List<Integer> attempts = Collections.synchronizedList(new ArrayList<>());
        List<Long> seenAt = Collections.synchronizedList(new ArrayList<>());
        try (PushConsumer consumer = pushConsumer(Compat.uniqueGroup("retry"), tag, view -> {
            attempts.add(view.getDeliveryAttempt());
            seenAt.add(System.nanoTime());
            return view.getDeliveryAttempt() == 1 ? ConsumeResult.FAILURE : ConsumeResult.SUCCESS;
        }); Producer producer = producer()) {
            producer.send(PROVIDER.newMessageBuilder().setTopic(Compat.normalTopic()).setTag(tag).setBody(Compat.utf8("retry-me")).build());
            Compat.await("a second delivery, attempts so far " + attempts, Duration.ofSeconds(40), () -> attempts.size() >= 2);
            assertEquals(List.of(1, 2), attempts.subList(0, 2));
            long gapMs = (seenAt.get(1) - seenAt.get(0)) / 1_000_000;
            System.out.printf("[%s] push consumer: redelivery %d ms after a FAILURE%n", Compat.target(), gapMs);
        }
    }
}
