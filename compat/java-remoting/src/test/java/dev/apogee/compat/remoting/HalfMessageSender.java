package dev.apogee.compat.remoting;

import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Runs in a child JVM that the test SIGKILLs: sends one half message, leaves it UNKNOW, prints
 * "SENT transactionId", then waits to be killed. Its listener never answers a check-back with anything else.
 */
public final class HalfMessageSender {
    private HalfMessageSender() {}

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (Throwable t) {
            // Tell the test why (it reads stdout until SENT) and end: the client's non-daemon threads would keep
            // this JVM alive, and the test waiting, forever.
            System.out.println("FAILED " + t);
            t.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        String namesrv = args[0];
        String group = args[1];
        String topic = args[2];
        String key = args[3];
        TransactionMQProducer p = new TransactionMQProducer(group);
        p.setNamesrvAddr(namesrv);
        p.setInstanceName("killed-" + key);
        p.setSendMsgTimeout(10_000); // a cold JVM on a loaded machine: the first send also fetches the route
        p.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                return LocalTransactionState.UNKNOW;
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                System.out.println("CHECKED " + msg.getKeys());
                return LocalTransactionState.UNKNOW;
            }
        });
        p.start();
        // A cold JVM on a loaded two-core machine can take longer than the client's 3 s to open its name server
        // connection; the send would then fail at once with "No route info" (seen with 4.9.8 against both
        // servers' name servers). Fetch the route until it comes, as a long-running producer would have it.
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                p.fetchPublishMessageQueues(topic);
                break;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
        Message m = new Message(topic, "killed", key, ("order " + key).getBytes(StandardCharsets.UTF_8));
        SendResult r = p.sendMessageInTransaction(m, null);
        System.out.println("SENT " + r.getSendStatus() + " " + r.getTransactionId());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
