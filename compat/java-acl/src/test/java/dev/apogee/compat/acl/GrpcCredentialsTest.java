package dev.apogee.compat.acl;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.rocketmq.client.apis.ClientConfiguration;
import org.apache.rocketmq.client.apis.ClientServiceProvider;
import org.apache.rocketmq.client.apis.StaticSessionCredentialsProvider;
import org.apache.rocketmq.client.apis.producer.Producer;
import org.apache.rocketmq.client.apis.producer.SendReceipt;
import org.junit.jupiter.api.Test;

/**
 * The 5.x Java gRPC client with StaticSessionCredentialsProvider: its `authorization` signature verifies, a wrong
 * secret is UNAUTHORIZED (UnauthorizedException, 40100) and a user without permission is FORBIDDEN (ForbiddenException).
 */
class GrpcCredentialsTest {
    private static final ClientServiceProvider PROVIDER = ClientServiceProvider.loadService();

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            fail("missing " + name + " (run through scripts/compat-java-acl.mjs)");
        }
        return v;
    }

    private static Producer producer(String ak, String sk) throws Exception {
        ClientConfiguration conf = ClientConfiguration.newBuilder()
            .setEndpoints(env("APOGEE_ACL_GRPC"))
            .enableSsl(false)
            .setCredentialProvider(new StaticSessionCredentialsProvider(ak, sk))
            .setRequestTimeout(Duration.ofSeconds(10))
            .build();
        return PROVIDER.newProducerBuilder().setClientConfiguration(conf).setTopics(env("APOGEE_ACL_TOPIC")).build();
    }

    /** The simple class names along the cause chain (the client wraps its typed exceptions). */
    private static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" <- ");
        }
        return sb.toString();
    }

    @Test
    void signedCallsAreAccepted() throws Exception {
        try (Producer p = producer(env("APOGEE_ACL_PRODUCER_AK"), env("APOGEE_ACL_PRODUCER_SK"))) {
            SendReceipt r = p.send(PROVIDER.newMessageBuilder()
                .setTopic(env("APOGEE_ACL_TOPIC"))
                .setBody("grpc-signed".getBytes(StandardCharsets.UTF_8))
                .build());
            assertNotNull(r.getMessageId());
        }
    }

    @Test
    void wrongSecretIsUnauthorized() {
        Exception e = assertThrows(Exception.class, () -> producer(env("APOGEE_ACL_PRODUCER_AK"), "not-the-secret").close());
        String c = chain(e);
        assertTrue(c.contains("UnauthorizedException") || c.contains("40100"), c);
    }

    @Test
    void userWithoutPermissionIsForbidden() {
        // No rule on the topic and a DENY default: the route look-up itself is refused.
        Exception e = assertThrows(Exception.class, () -> producer(env("APOGEE_ACL_NOBODY_AK"), env("APOGEE_ACL_NOBODY_SK")).close());
        String c = chain(e);
        assertTrue(c.contains("ForbiddenException") || c.contains("40300"), c);
    }

    @Test
    void subOnlyUserCannotStartAProducer() {
        // As on RocketMQ 5: the route look-up passes (SUB is enough), the producer's Settings (publishing the topic)
        // are refused with FORBIDDEN, so the 5.2.0 client never finishes starting.
        assertThrows(Exception.class, () -> producer(env("APOGEE_ACL_CONSUMER_AK"), env("APOGEE_ACL_CONSUMER_SK")).close());
    }
}
