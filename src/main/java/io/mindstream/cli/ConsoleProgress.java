package io.mindstream.cli;

import io.mindstream.train.Trainer;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Training progress for a person: a one-line bar redrawn in place on a terminal, plain lines every 15 seconds
 * otherwise (logs, CI). Messages (evaluations, early stop) always go on their own line.
 */
final class ConsoleProgress implements Trainer.Listener, AutoCloseable {

    private static final long PLAIN_INTERVAL_NANOS = 15_000_000_000L;
    private static final long BAR_INTERVAL_NANOS = 200_000_000L;
    private static final int WIDTH = 24;

    private final PrintWriter out;
    private final boolean terminal;
    private long lastPrint;
    private boolean barShown;

    ConsoleProgress(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public synchronized void progress(Trainer.Progress p) {
        long now = System.nanoTime();
        if (lastPrint != 0 && now - lastPrint < (terminal ? BAR_INTERVAL_NANOS : PLAIN_INTERVAL_NANOS)) {
            return;
        }
        lastPrint = now;
        String stats = String.format(Locale.ROOT, "%s step %d loss %.4f %.0f samples/s best R@50 %.4f ETA %s",
                p.phase(), p.step(), p.loss(), p.samplesPerSecond(), p.bestValidationRecall50(), format(p.eta()));
        if (terminal) {
            int filled = (int) Math.round(p.fraction() * WIDTH);
            out.print("\r[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] "
                    + String.format(Locale.ROOT, "%3.0f%% ", p.fraction() * 100) + stats + "\033[K");
            barShown = true;
        } else {
            out.println(stats);
        }
        out.flush();
    }

    @Override
    public synchronized void message(String line) {
        if (barShown) {
            out.print("\r\033[K");
            barShown = false;
        }
        out.println(line);
        out.flush();
    }

    @Override
    public synchronized void close() {
        if (barShown) {
            out.println();
            barShown = false;
        }
    }

    private static String format(Duration d) {
        long s = Math.max(0, d.getSeconds());
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
