package dev.apogee.examples.transaction;

import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * One downstream service (logistics, points or cart) in its own consumer group: every group gets every
 * committed order. Orders of other runs (same topic, same group) are acknowledged and ignored.
 */
public final class OrderConsumer implements AutoCloseable {
    private final String service;
    private final String runId;
    private final DefaultMQPushConsumer consumer;
    private final Set<String> received = ConcurrentHashMap.newKeySet();

    public OrderConsumer(String service, String namesrv, String topic, String runId, PrintStream out) throws MQClientException {
        this.service = service;
        this.runId = runId;
        this.consumer = new DefaultMQPushConsumer(service + "-consumer-group");
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName(service + "-" + runId);
        consumer.subscribe(topic, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
            for (MessageExt m : msgs) {
                String orderId = m.getKeys();
                if (orderId != null && orderId.startsWith(runId + "-") && received.add(orderId)) {
                    out.printf("%s received order %s (%s)%n", service, orderId, new String(m.getBody(), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
    }

    public void start() throws MQClientException {
        consumer.start();
    }

    /** True once rebalancing gave this consumer at least one queue (its start offsets are then fixed). */
    public boolean assigned() {
        return !consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl().getProcessQueueTable().isEmpty();
    }

    public String service() {
        return service;
    }

    public Set<String> received() {
        return Set.copyOf(received);
    }

    @Override
    public void close() {
        consumer.shutdown();
    }
}
