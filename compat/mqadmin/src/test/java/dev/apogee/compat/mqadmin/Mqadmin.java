package dev.apogee.compat.mqadmin;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.rocketmq.tools.command.MQAdminStartup;

/**
 * Runs mqadmin in this JVM: MQAdminStartup.main0 with the target's name server, stdout and stderr captured.
 * One JVM for all commands (a JVM per command costs seconds each on two cores). main0 never calls System.exit
 * for a well-formed command line (only ServerUtil's parse error and -h do), and a failing sub command's
 * exception is caught by main0 and printed on stderr, so {@link Result#ok()} checks stderr for it.
 */
final class Mqadmin {
    static final String NAMESRV = required("apogee.mqadmin.namesrv", "APOGEE_MQADMIN_NAMESRV",
        "set APOGEE_MQADMIN_NAMESRV=host:port (Apogee's namesrv= or the reference's name server)");
    static final String TARGET = orDefault(setting("apogee.mqadmin.target", "APOGEE_MQADMIN_TARGET"), "apogee");
    /** One id per JVM run: topics, groups and keys carry it, so earlier runs' data never counts. */
    static final String RUN = "m" + UUID.randomUUID().toString().substring(0, 8);

    private Mqadmin() {}

    record Result(String command, String out, String err) {
        /** True when mqadmin printed no exception (main0 prints a failed sub command's stack trace on stderr). */
        boolean ok() {
            return !err.contains("Exception") && !out.contains("Exception");
        }

        List<String> lines() {
            return Arrays.stream(out.split("\\R")).filter(l -> !l.isBlank()).toList();
        }

        @Override
        public String toString() {
            return "mqadmin " + command + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
        }
    }

    /** mqadmin COMMAND ARGS... -n NAMESRV; synchronized: System.out is process-wide. */
    static synchronized Result run(String command, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(command);
        argv.addAll(Arrays.asList(args));
        argv.add("-n");
        argv.add(NAMESRV);
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            MQAdminStartup.main0(argv.toArray(new String[0]), null);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Result r = new Result(String.join(" ", argv), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        log("%s", r);
        return r;
    }

    /** Runs the command until its result satisfies `done` (routes and stats follow a change within moments). */
    static Result runUntil(Duration timeout, Predicate<Result> done, String command, String... args) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Result r = run(command, args);
            if (done.test(r)) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                fail("mqadmin " + command + " did not print what was expected within " + timeout.toSeconds() + " s; last:\n" + r);
            }
            Thread.sleep(500);
        }
    }

    static void await(Duration timeout, String what, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    static String setting(String property, String env) {
        String v = System.getProperty(property);
        return v != null && !v.isEmpty() ? v : System.getenv(env);
    }

    private static String orDefault(String v, String d) {
        return v == null || v.isEmpty() ? d : v;
    }

    static String required(String property, String env, String hint) {
        String v = setting(property, env);
        if (v == null || v.isEmpty()) {
            fail("missing " + env + ": " + hint);
        }
        return v;
    }

    static void log(String format, Object... args) {
        System.out.printf("[" + TARGET + "] " + format + "%n", args);
    }
}
