package dev.apogee.compat.mqadmin;

import static dev.apogee.compat.mqadmin.Mqadmin.RUN;
import static dev.apogee.compat.mqadmin.Mqadmin.log;
import static dev.apogee.compat.mqadmin.Mqadmin.run;
import static dev.apogee.compat.mqadmin.Mqadmin.runUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.RemotingSerializable;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * mqadmin's everyday commands, in the order an operator uses them: look at the cluster, create a topic, see it
 * listed and routed, produce and consume through the classic client, then read consumer progress, connections,
 * topic status and find messages by key and by id. Each step checks what mqadmin printed, parsed the way an
 * operator reads it (columns, the route JSON), so the same assertions hold for Apogee and Apache RocketMQ even
 * though addresses, names and timestamps differ.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MqadminTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOPIC = "MqadminTopic-" + RUN;
    private static final String DOOMED_TOPIC = "MqadminDoomed-" + RUN;
    private static final String PRODUCER_GROUP = "mqadmin-producer-" + RUN;
    private static final String CONSUMER_GROUP = "mqadmin-consumer-" + RUN;
    private static final String SUB_GROUP = "mqadmin-subgroup-" + RUN;
    private static final int FIRST_BATCH = 6;
    private static final int SECOND_BATCH = 3;

    private String cluster;
    private String brokerName;
    private String brokerAddr;
    private DefaultMQProducer producer;
    private DefaultMQPushConsumer consumer;
    private final List<SendResult> sent = new ArrayList<>();
    private final Map<String, MessageExt> consumed = new ConcurrentHashMap<>();

    @AfterAll
    void stopClients() {
        if (consumer != null) {
            consumer.shutdown();
        }
        if (producer != null) {
            producer.shutdown();
        }
    }

    @Test
    @Order(1)
    void clusterListShowsTheMasterBroker() {
        Mqadmin.Result r = run("clusterList");
        assertTrue(r.ok(), r::toString);
        List<String> lines = r.lines();
        assertTrue(lines.get(0).startsWith("#Cluster Name"), r::toString);
        assertTrue(lines.size() >= 2, "no broker row\n" + r);
        // #Cluster Name  #Broker Name  #BID  #Addr  #Version  #InTPS(LOAD)  #OutTPS(LOAD) ... #ACTIVATED
        String[] row = lines.get(1).trim().split("\\s+");
        cluster = row[0];
        brokerName = row[1];
        assertEquals("0", row[2], "the master's broker id\n" + r);
        brokerAddr = row[3];
        assertTrue(brokerAddr.matches("[\\w.-]+:\\d+"), "broker address " + brokerAddr + "\n" + r);
        assertTrue(row[4].startsWith("V5_"), "version " + row[4] + "\n" + r);
        assertTrue(lines.get(1).matches(".*\\s\\d+\\.\\d{2}\\(\\d+,\\d+ms\\)\\s.*"), "#InTPS(LOAD) column: TPS(queue size,wait)\n" + r);
        assertEquals("true", row[row.length - 1], "ACTIVATED\n" + r);
        log("cluster %s, broker %s at %s", cluster, brokerName, brokerAddr);
    }

    @Test
    @Order(2)
    void updateTopicCreatesTheTopicOnTheClustersBroker() {
        Mqadmin.Result r = run("updateTopic", "-c", cluster, "-t", TOPIC, "-r", "4", "-w", "4");
        assertTrue(r.ok(), r::toString);
        assertTrue(r.out().contains("create topic to " + brokerAddr + " success."), r::toString);
        assertTrue(r.out().contains("TopicConfig [topicName=" + TOPIC + ", readQueueNums=4, writeQueueNums=4, perm=RW-"), r::toString);
        Mqadmin.Result d = run("updateTopic", "-c", cluster, "-t", DOOMED_TOPIC, "-r", "2", "-w", "2");
        assertTrue(d.ok() && d.out().contains("create topic to " + brokerAddr + " success."), d::toString);
    }

    @Test
    @Order(3)
    void topicListNamesTheTopic() throws Exception {
        Mqadmin.Result r = runUntil(WAIT, x -> x.lines().contains(TOPIC), "topicList");
        assertTrue(r.ok(), r::toString);
        assertTrue(r.lines().contains(DOOMED_TOPIC), r::toString);
        // -c: one row per topic and consuming group, with the topic's cluster
        Mqadmin.Result c = run("topicList", "-c");
        assertTrue(c.ok(), c::toString);
        assertTrue(c.lines().get(0).startsWith("#Cluster Name"), c::toString);
        assertTrue(c.lines().stream().anyMatch(l -> l.trim().split("\\s+").length >= 2 && l.trim().split("\\s+")[0].equals(cluster)
            && l.trim().split("\\s+")[1].equals(TOPIC)), "no row '" + cluster + "  " + TOPIC + "'\n" + c);
    }

    @Test
    @Order(4)
    void topicRoutePrintsBrokerAddressAndQueueCounts() {
        Mqadmin.Result r = run("topicRoute", "-t", TOPIC);
        assertTrue(r.ok(), r::toString);
        TopicRouteData route = RemotingSerializable.fromJson(r.out().trim(), TopicRouteData.class);
        assertNotNull(route, r::toString);
        assertEquals(1, route.getBrokerDatas().size(), r::toString);
        BrokerData b = route.getBrokerDatas().get(0);
        assertEquals(cluster, b.getCluster(), r::toString);
        assertEquals(brokerName, b.getBrokerName(), r::toString);
        assertEquals(brokerAddr, b.getBrokerAddrs().get(0L), r::toString);
        assertEquals(1, route.getQueueDatas().size(), r::toString);
        QueueData q = route.getQueueDatas().get(0);
        assertEquals(brokerName, q.getBrokerName(), r::toString);
        assertEquals(4, q.getReadQueueNums(), r::toString);
        assertEquals(4, q.getWriteQueueNums(), r::toString);
        assertEquals(6, q.getPerm(), r::toString);

        Mqadmin.Result l = run("topicRoute", "-t", TOPIC, "-l");
        assertTrue(l.ok(), l::toString);
        assertTrue(l.lines().stream().anyMatch(x -> x.contains(brokerName) && x.contains("{0=" + brokerAddr + "}")
            && x.trim().matches(".*\\s4\\s+4\\s+6$")), l::toString);
        assertTrue(l.lines().stream().anyMatch(x -> x.trim().matches("Total:\\s+1\\s+4\\s+4")), l::toString);

        Mqadmin.Result missing = run("topicRoute", "-t", "NoSuchTopic-" + RUN);
        assertFalse(missing.ok(), "an unknown topic has no route\n" + missing);
        assertTrue(missing.err().contains("No topic route info in name server for the topic: NoSuchTopic-" + RUN), missing::toString);
    }

    @Test
    @Order(5)
    void producerConnectionShowsTheLiveProducer() throws Exception {
        producer = new DefaultMQProducer(PRODUCER_GROUP);
        producer.setNamesrvAddr(Mqadmin.NAMESRV);
        producer.setInstanceName(RUN + "-producer");
        producer.setSendMsgTimeout(10_000);
        producer.start();
        for (int i = 0; i < FIRST_BATCH; i++) {
            sent.add(send(i));
        }
        String clientId = producer.buildMQClientId();
        Mqadmin.Result r = runUntil(WAIT, x -> x.out().contains(clientId), "producerConnection", "-g", PRODUCER_GROUP, "-t", TOPIC);
        assertTrue(r.ok(), r::toString);
        assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("0001") && l.contains(clientId) && l.contains("JAVA")), r::toString);
    }

    @Test
    @Order(6)
    void consumerConnectionAndProgressWhileConsuming() throws Exception {
        consumer = new DefaultMQPushConsumer(CONSUMER_GROUP);
        consumer.setNamesrvAddr(Mqadmin.NAMESRV);
        consumer.setInstanceName(RUN + "-consumer");
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(TOPIC, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
            for (MessageExt m : msgs) {
                consumed.put(m.getKeys(), m);
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        Mqadmin.await(WAIT, FIRST_BATCH + " messages consumed", () -> consumed.size() >= FIRST_BATCH);

        String clientId = consumer.getDefaultMQPushConsumerImpl().getmQClientFactory().getClientId();
        Mqadmin.Result cc = runUntil(WAIT, x -> x.out().contains(clientId), "consumerConnection", "-g", CONSUMER_GROUP);
        assertTrue(cc.ok(), cc::toString);
        assertTrue(cc.out().contains("ConsumeType: CONSUME_PASSIVELY"), cc::toString);
        assertTrue(cc.out().contains("MessageModel: CLUSTERING"), cc::toString);
        assertTrue(cc.out().contains("ConsumeFromWhere: CONSUME_FROM_FIRST_OFFSET"), cc::toString);
        assertTrue(cc.lines().stream().anyMatch(l -> l.trim().matches(Pattern.quote(TOPIC) + "\\s+\\*")), "subscription row\n" + cc);

        // Without -g: one row per group that has a retry topic, with its online client count, type and model.
        Mqadmin.Result all = runUntil(WAIT, x -> x.lines().stream().anyMatch(l -> l.startsWith(CONSUMER_GROUP)), "consumerProgress");
        assertTrue(all.ok(), all::toString);
        String row = all.lines().stream().filter(l -> l.startsWith(CONSUMER_GROUP)).findFirst().orElseThrow();
        String[] cols = row.trim().split("\\s+");
        assertEquals("1", cols[1], "#Count\n" + all);
        assertTrue(cols[2].startsWith("V"), "#Version\n" + all);
        assertEquals("PUSH", cols[3], "#Type\n" + all);
        assertEquals("CLUSTERING", cols[4], "#Model\n" + all);
    }

    @Test
    @Order(7)
    void consumerProgressShowsOffsetsAndDiff() throws Exception {
        consumer.shutdown(); // persists the group's offsets on the broker
        consumer = null;
        for (int i = FIRST_BATCH; i < FIRST_BATCH + SECOND_BATCH; i++) {
            sent.add(send(i));
        }
        Mqadmin.Result r = runUntil(WAIT, x -> x.out().contains("Consume Diff Total: " + SECOND_BATCH), "consumerProgress", "-g", CONSUMER_GROUP);
        assertTrue(r.ok(), r::toString);
        assertTrue(r.lines().get(0).startsWith("#Topic"), r::toString);
        long brokerTotal = 0;
        long consumerTotal = 0;
        int rows = 0;
        for (String l : r.lines()) {
            String[] c = l.trim().split("\\s+");
            if (!c[0].equals(TOPIC)) {
                continue;
            }
            // #Topic #Broker Name #QID #Broker Offset #Consumer Offset #Diff #Inflight #LastTime
            rows++;
            assertEquals(brokerName, c[1], l);
            long brokerOffset = Long.parseLong(c[3]);
            long consumerOffset = Long.parseLong(c[4]);
            assertEquals(brokerOffset - consumerOffset, Long.parseLong(c[5]), "diff column\n" + r);
            if (consumerOffset > 0) {
                // #LastTime: store time of the last consumed message
                assertTrue(c[7].matches("\\d{4}-\\d{2}-\\d{2}"), "#LastTime of a consumed queue\n" + r);
            }
            brokerTotal += brokerOffset;
            consumerTotal += consumerOffset;
        }
        assertEquals(4, rows, "one row per queue of " + TOPIC + "\n" + r);
        assertEquals(FIRST_BATCH + SECOND_BATCH, brokerTotal, r::toString);
        assertEquals(FIRST_BATCH, consumerTotal, r::toString);
        assertTrue(r.out().contains("Consume TPS: "), r::toString);
    }

    @Test
    @Order(8)
    void queryMsgByKeyFindsTheMessage() throws Exception {
        SendResult s = sent.get(1);
        Mqadmin.Result r = runUntil(WAIT, x -> x.out().contains(s.getMsgId()), "queryMsgByKey", "-t", TOPIC, "-k", key(1));
        assertTrue(r.ok(), r::toString);
        assertTrue(r.lines().get(0).startsWith("#Message ID"), r::toString);
        // #Message ID  #QID  #Offset
        List<String> rows = r.lines().subList(1, r.lines().size());
        assertEquals(1, rows.size(), "exactly the one message with that key\n" + r);
        String[] c = rows.get(0).trim().split("\\s+");
        assertEquals(s.getMsgId(), c[0], r::toString);
        assertEquals(String.valueOf(s.getMessageQueue().getQueueId()), c[1], r::toString);
        assertEquals(String.valueOf(s.getQueueOffset()), c[2], r::toString);

        Mqadmin.Result none = run("queryMsgByKey", "-t", TOPIC, "-k", "no-such-key-" + RUN);
        assertFalse(none.ok(), "a key nobody sent is not found\n" + none);
        assertTrue(none.err().contains("query message by key finished, but no message."), none::toString);
    }

    @Test
    @Order(9)
    void queryMsgByIdFindsTheMessageByOffsetIdAndByUniqueId() throws Exception {
        SendResult s = sent.get(2);
        for (String id : new String[] {s.getOffsetMsgId(), s.getMsgId()}) {
            Mqadmin.Result r = run("queryMsgById", "-t", TOPIC, "-i", id, "-f", "UTF-8");
            assertTrue(r.ok(), r::toString);
            Map<String, String> fields = fields(r.out());
            assertEquals(s.getOffsetMsgId(), fields.get("OffsetID"), r::toString);
            assertEquals(TOPIC, fields.get("Topic"), r::toString);
            assertEquals("[TagA]", fields.get("Tags"), r::toString);
            assertEquals("[" + key(2) + "]", fields.get("Keys"), r::toString);
            assertEquals(String.valueOf(s.getMessageQueue().getQueueId()), fields.get("Queue ID"), r::toString);
            assertEquals(String.valueOf(s.getQueueOffset()), fields.get("Queue Offset"), r::toString);
            assertEquals("0", fields.get("Reconsume Times"), r::toString);
            assertEquals(body(2), fields.get("Message Body"), r::toString);
            assertTrue(fields.get("Properties").contains("UNIQ_KEY=" + s.getMsgId()), r::toString);
            assertTrue(fields.get("Properties").contains("KEYS=" + key(2)), r::toString);
            assertTrue(fields.get("Store Host").endsWith(":" + brokerAddr.substring(brokerAddr.lastIndexOf(':') + 1)), r::toString);
            // The message track: the consumer group (now offline) is listed as a group of the topic.
            assertTrue(r.out().contains("consumerGroup=" + CONSUMER_GROUP), r::toString);
        }
    }

    @Test
    @Order(10)
    void topicStatusShowsEachQueuesOffsets() {
        Mqadmin.Result r = run("topicStatus", "-t", TOPIC);
        assertTrue(r.ok(), r::toString);
        assertTrue(r.lines().get(0).startsWith("#Broker Name"), r::toString);
        long max = 0;
        int rows = 0;
        for (String l : r.lines()) {
            String[] c = l.trim().split("\\s+");
            if (c[0].equals(brokerName) && c.length >= 4) {
                rows++;
                assertEquals("0", c[2], "min offset\n" + r);
                long queueMax = Long.parseLong(c[3]);
                max += queueMax;
                if (queueMax > 0) {
                    // #Last Updated: store time of the queue's newest message
                    assertTrue(c.length >= 5 && c[4].matches("\\d{4}-\\d{2}-\\d{2}"), "#Last Updated\n" + r);
                }
            }
        }
        assertEquals(4, rows, r::toString);
        assertEquals(FIRST_BATCH + SECOND_BATCH, max, r::toString);
    }

    @Test
    @Order(11)
    void brokerStatusPrintsRuntimeInfo() {
        Mqadmin.Result r = run("brokerStatus", "-b", brokerAddr);
        assertTrue(r.ok(), r::toString);
        Map<String, String> kv = fields(r.out());
        assertTrue(kv.get("brokerVersionDesc").startsWith("V5_"), r::toString);
        assertTrue(Long.parseLong(kv.get("msgPutTotalTodayNow")) >= FIRST_BATCH + SECOND_BATCH, r::toString);
        assertTrue(Long.parseLong(kv.get("commitLogMaxOffset")) > 0, r::toString);
        assertEquals("true", kv.get("brokerActive"), r::toString);
    }

    @Test
    @Order(12)
    void updateSubGroupCreatesTheGroup() {
        Mqadmin.Result r = run("updateSubGroup", "-c", cluster, "-g", SUB_GROUP, "-r", "5");
        assertTrue(r.ok(), r::toString);
        assertTrue(r.out().contains("create subscription group to " + brokerAddr + " success."), r::toString);
        assertTrue(r.out().contains("groupName=" + SUB_GROUP), r::toString);
        assertTrue(r.out().contains("retryMaxTimes=5"), r::toString);
    }

    @Test
    @Order(13)
    void deleteTopicRemovesItFromBrokerAndRoutes() throws Exception {
        Mqadmin.Result r = run("deleteTopic", "-c", cluster, "-t", DOOMED_TOPIC);
        assertTrue(r.ok(), r::toString);
        assertTrue(r.out().contains("delete topic [" + DOOMED_TOPIC + "] from cluster [" + cluster + "] success."), r::toString);
        assertTrue(r.out().contains("delete topic [" + DOOMED_TOPIC + "] from NameServer success."), r::toString);
        Mqadmin.Result list = runUntil(WAIT, x -> !x.lines().contains(DOOMED_TOPIC), "topicList");
        assertTrue(list.lines().contains(TOPIC), list::toString);
        Mqadmin.Result route = run("topicRoute", "-t", DOOMED_TOPIC);
        assertFalse(route.ok(), "a deleted topic has no route\n" + route);
    }

    private SendResult send(int i) throws Exception {
        Message m = new Message(TOPIC, "TagA", key(i), body(i).getBytes(StandardCharsets.UTF_8));
        SendResult r = producer.send(m);
        assertEquals(SendStatus.SEND_OK, r.getSendStatus(), r::toString);
        return r;
    }

    private static String key(int i) {
        return "mqadmin-key-" + i + "-" + RUN;
    }

    private static String body(int i) {
        return "mqadmin body " + i + " " + RUN;
    }

    /** `Name:   value` (queryMsgById) and `name   : value` (brokerStatus) lines as a map. */
    private static Map<String, String> fields(String out) {
        Map<String, String> m = new java.util.HashMap<>();
        Matcher x = Pattern.compile("(?m)^([A-Za-z][\\w ()]*?)\\s*:\\s(.*)$").matcher(out);
        while (x.find()) {
            m.putIfAbsent(x.group(1).trim(), x.group(2).trim());
        }
        return m;
    }

}
