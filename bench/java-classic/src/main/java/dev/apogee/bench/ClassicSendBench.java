package dev.apogee.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;

/**
 * Acknowledged sends through the classic client's DefaultMQProducer with exactly N async sends in flight (a
 * semaphore of N permits, released in the send callback), one window after the other in one JVM, since starting a
 * JVM costs seconds on a small machine. Prints one JSON line per window on stdout:
 * {"start":N} as the window begins, then
 * {"inFlight":N,"count":C,"perSec":R,"p50":MS,"p99":MS,"p999":MS,"errors":E,"firstError":"..."}.
 *
 * Arguments: NAMESRV TOPIC WINDOWS(comma-separated) SECONDS BODY_BYTES.
 */
public final class ClassicSendBench {
  /** Latencies of one window in microseconds; completions past the capacity are counted but not sampled. */
  private static final int SAMPLE_CAPACITY = 1 << 21;

  private ClassicSendBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: ClassicSendBench NAMESRV TOPIC WINDOWS SECONDS BODY_BYTES");
      System.exit(2);
    }
    String namesrv = args[0];
    String topic = args[1];
    int[] windows = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
    double seconds = Double.parseDouble(args[3]);
    byte[] body = new byte[Integer.parseInt(args[4])];
    Arrays.fill(body, (byte) 'b');

    DefaultMQProducer producer = new DefaultMQProducer("bench-java-classic");
    producer.setNamesrvAddr(namesrv);
    producer.setInstanceName("bench-java-classic-" + ProcessHandle.current().pid());
    producer.setSendMsgTimeout(10_000);
    producer.setVipChannelEnabled(false);
    producer.start();
    int status = 0;
    try {
      // Route look-up, connection and JIT before the first measured window.
      // Retried: on a loaded machine the first route fetch from the name server can time out.
      SendResult first = null;
      for (int attempt = 1; first == null; attempt++) {
        try {
          first = producer.send(new Message(topic, "bench", body));
        } catch (Exception e) {
          if (attempt == 5) throw e;
          Thread.sleep(500);
        }
      }
      if (first.getSendStatus() != SendStatus.SEND_OK) throw new IllegalStateException("warm-up send: " + first.getSendStatus());
      window(producer, topic, body, 16, Math.min(2.0, seconds));
      for (int n : windows) {
        // Tells the caller to start its server-side CPU and RSS sampling for this window.
        System.out.println("{\"start\":" + n + "}");
        System.out.flush();
        Result r = window(producer, topic, body, n, seconds);
        System.out.println(r.json());
        System.out.flush();
        if (r.errors > 0) status = 1;
      }
    } finally {
      producer.shutdown();
    }
    // The client leaves non-daemon threads behind on some versions; the process must end here.
    System.exit(status);
  }

  private record Result(int inFlight, long count, double perSec, double p50, double p99, double p999, long errors, String firstError) {
    String json() {
      String err = firstError == null ? "null" : '"' + firstError.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("[\\x00-\\x1f]", " ") + '"';
      return String.format(Locale.ROOT, "{\"inFlight\":%d,\"count\":%d,\"perSec\":%.1f,\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"errors\":%d,\"firstError\":%s}",
          inFlight, count, perSec, p50, p99, p999, errors, err);
    }
  }

  /** Keeps `inFlight` sends outstanding until `seconds` have passed, then waits for the last ones to complete. */
  private static Result window(DefaultMQProducer producer, String topic, byte[] body, int inFlight, double seconds) throws InterruptedException {
    Semaphore permits = new Semaphore(inFlight);
    long[] micros = new long[SAMPLE_CAPACITY];
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    long t0 = System.nanoTime();
    long deadline = t0 + (long) (seconds * 1e9);
    while (System.nanoTime() < deadline && errors.get() == 0) {
      permits.acquire();
      long started = System.nanoTime();
      // A new Message per send: the client writes its unique id and other properties into the message.
      Message msg = new Message(topic, "bench", body);
      SendCallback done = new SendCallback() {
        @Override
        public void onSuccess(SendResult result) {
          if (result.getSendStatus() == SendStatus.SEND_OK) {
            int i = completed.getAndIncrement();
            if (i < SAMPLE_CAPACITY) micros[i] = (System.nanoTime() - started) / 1_000;
          } else {
            fail("send status " + result.getSendStatus());
          }
          permits.release();
        }

        @Override
        public void onException(Throwable e) {
          fail(e.toString());
          permits.release();
        }

        private void fail(String why) {
          errors.incrementAndGet();
          firstError.compareAndSet(null, why);
        }
      };
      try {
        producer.send(msg, done);
      } catch (Exception e) {
        done.onException(e);
      }
    }
    if (!permits.tryAcquire(inFlight, 30, TimeUnit.SECONDS)) {
      errors.incrementAndGet();
      firstError.compareAndSet(null, "sends still in flight 30 s after the window ended");
    }
    double elapsed = (System.nanoTime() - t0) / 1e9;
    int n = completed.get();
    long[] sorted = Arrays.copyOf(micros, Math.min(n, SAMPLE_CAPACITY));
    Arrays.sort(sorted);
    return new Result(inFlight, n, n / elapsed, percentile(sorted, 0.5), percentile(sorted, 0.99), percentile(sorted, 0.999), errors.get(), firstError.get());
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) return 0;
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))] / 1000.0;
  }
}
