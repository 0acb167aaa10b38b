package dev.apogee.examples.transaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Runs the example against the broker named by ROCKETMQ_NAMESRV_ADDR (or -Dexample.namesrv).
 *
 * <p>APOGEE_EXAMPLE_TARGET names the broker behind the name server (apogee or reference): the only difference
 * is that Apogee promises no check-back of a transaction already ended, which RocketMQ does not.
 */
class TransactionProducerExampleTest {
    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        return v != null && !v.isEmpty() ? v : System.getenv(env);
    }

    @Test
    void everyServiceGetsExactlyTheCommittedOrders() throws Exception {
        String target = setting("example.target", "APOGEE_EXAMPLE_TARGET");
        String namesrv = setting("example.namesrv", "ROCKETMQ_NAMESRV_ADDR");
        if (namesrv == null || namesrv.isEmpty()) {
            fail("no name server: set ROCKETMQ_NAMESRV_ADDR=host:port (or -Dexample.namesrv); "
                + "`npm run reference -- start` prints the reference's namesrv address");
        }
        String topic = setting("example.topic", "APOGEE_EXAMPLE_TOPIC");
        if (topic == null || topic.isEmpty()) {
            topic = TransactionProducerExample.DEFAULT_TOPIC;
        }

        TransactionProducerExample.Result r = TransactionProducerExample.run(namesrv, topic, Duration.ofSeconds(60), System.out);
        for (var e : r.sendStatus().entrySet()) {
            assertTrue(e.getValue().startsWith("SEND_OK/"), "send of " + e.getKey() + ": " + e.getValue());
        }
        assertEquals("SEND_OK/COMMIT_MESSAGE", r.sendStatus().get(r.runId() + "-1"));
        assertEquals("SEND_OK/ROLLBACK_MESSAGE", r.sendStatus().get(r.runId() + "-2"));
        assertEquals("SEND_OK/UNKNOW", r.sendStatus().get(r.runId() + "-3"));
        for (String service : TransactionProducerExample.SERVICES) {
            assertEquals(r.expected(), r.received().get(service), service + " must get exactly the committed orders");
        }
        int lateChecks = r.checkBacks().get(r.runId() + "-1") + r.checkBacks().get(r.runId() + "-2");
        if ("reference".equalsIgnoreCase(target)) {
            // RocketMQ may check a transaction the producer already ended when its op record is not yet visible
            // (apache/rocketmq#8003); only reported here. Apogee promises never to (spec/transactions.md).
            System.out.printf("check-backs of orders ended at once (RocketMQ: allowed, apache/rocketmq#8003): %d%n", lateChecks);
        } else {
            assertEquals(0, lateChecks, "no check-back for an order committed or rolled back at once");
        }
        assertTrue(r.checkBacks().get(r.runId() + "-3") > 0, "the unknown order was checked back");
        assertTrue(r.checkBacks().get(r.runId() + "-4") > 0, "the unknown order was checked back");
        assertTrue(r.asExpected());
    }
}
