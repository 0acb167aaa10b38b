package dev.apogee.compat.remoting;

import static dev.apogee.compat.remoting.Remoting.NORMAL_TOPIC;
import static dev.apogee.compat.remoting.Remoting.await;
import static dev.apogee.compat.remoting.Remoting.bytes;
import static dev.apogee.compat.remoting.Remoting.name;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.rocketmq.client.apis.ClientConfiguration;
import org.apache.rocketmq.client.apis.ClientServiceProvider;
import org.apache.rocketmq.client.apis.consumer.FilterExpression;
import org.apache.rocketmq.client.apis.consumer.FilterExpressionType;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.MessageView;
import org.apache.rocketmq.client.apis.producer.Producer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;

/** One broker, two protocols: what a gRPC client sends a classic consumer reads, and the other way round. */
class CrossProtocolTest {
    private static final ClientServiceProvider PROVIDER = ClientServiceProvider.loadService();

    private static ClientConfiguration grpc() {
        String endpoint = Remoting.required("apogee.compat.endpoint", "APOGEE_COMPAT_ENDPOINT",
            "set APOGEE_COMPAT_ENDPOINT=host:port (the same target's gRPC endpoint)");
        return ClientConfiguration.newBuilder().setEndpoints(endpoint).enableSsl(false).setRequestTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void aGrpcProducersMessageReachesAClassicPushConsumer() throws Exception {
        String tag = name("from-grpc");
        Remoting.Deliveries got = new Remoting.Deliveries();
        DefaultMQPushConsumer c = Remoting.pushConsumer(name("cross-push"));
        c.subscribe(NORMAL_TOPIC, tag);
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            msgs.forEach(got::add);
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        try (Producer p = PROVIDER.newProducerBuilder().setClientConfiguration(grpc()).setTopics(NORMAL_TOPIC).build()) {
            for (int i = 0; i < 3; i++) {
                p.send(PROVIDER.newMessageBuilder().setTopic(NORMAL_TOPIC).setTag(tag).setKeys(name("g" + i))
                    .addProperty("origin", "grpc").setBody(bytes("from grpc " + i)).build());
            }
            await(Duration.ofSeconds(60), "three messages sent over gRPC", () -> got.distinct() == 3);
            for (int i = 0; i < 3; i++) {
                var m = got.byKey.get(name("g" + i)).get(0);
                assertEquals("from grpc " + i, Remoting.body(m));
                assertEquals(tag, m.getTags());
                assertEquals("grpc", m.getUserProperty("origin"));
            }
        } finally {
            c.shutdown();
        }
    }

    @Test
    void aClassicProducersMessageReachesAGrpcSimpleConsumer() throws Exception {
        String tag = name("from-classic");
        DefaultMQProducer p = Remoting.producer(name("cross-producer"));
        FilterExpression filter = new FilterExpression(tag, FilterExpressionType.TAG);
        try (SimpleConsumer c = PROVIDER.newSimpleConsumerBuilder().setClientConfiguration(grpc())
            .setConsumerGroup(name("cross-simple")).setAwaitDuration(Duration.ofSeconds(5))
            .setSubscriptionExpressions(Collections.singletonMap(NORMAL_TOPIC, filter)).build()) {
            for (int i = 0; i < 3; i++) {
                Message m = new Message(NORMAL_TOPIC, tag, name("k" + i), bytes("from classic " + i));
                m.putUserProperty("origin", "classic");
                p.send(m);
            }
            List<String> bodies = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 60_000;
            while (bodies.size() < 3 && System.currentTimeMillis() < deadline) {
                for (MessageView v : c.receive(16, Duration.ofSeconds(30))) {
                    assertEquals("classic", v.getProperties().get("origin"));
                    bodies.add(StandardCharsets.UTF_8.decode(v.getBody()).toString());
                    c.ack(v);
                }
            }
            Collections.sort(bodies);
            assertEquals(List.of("from classic 0", "from classic 1", "from classic 2"), bodies);
        } finally {
            p.shutdown();
        }
    }
}
