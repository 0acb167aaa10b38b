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
        String namesrv = args[0];
        String group = args[1];
        String topic = args[2];
        String key = args[3];
        TransactionMQProducer p = new TransactionMQProducer(group);
        p.setNamesrvAddr(namesrv);
        p.setInstanceName("killed-" + key);
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
        Message m = new Message(topic, "killed", key, ("order " + key).getBytes(StandardCharsets.UTF_8));
        SendResult r = p.sendMessageInTransaction(m, null);
        System.out.println("SENT " + r.getSendStatus() + " " + r.getTransactionId());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
