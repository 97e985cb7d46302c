package io.github.broadcast.micrometer;

import io.github.broadcast.internal.Checks;
import io.github.broadcast.tyrus.HttpStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Micrometer meters for the embedded server's front door (needs broadcast-tyrus), from its {@link
 * HttpStats}: one counter, {@code broadcast.http.refused}, tagged {@code reason}: {@code host},
 * {@code origin}, {@code token}, {@code shutting_down}, {@code body_too_large} (413), {@code
 * body_timeout} and {@code head_timeout} (408). Bind it with {@code server::httpStats}.
 * Thread-safe.
 */
public final class HttpMetrics implements MeterBinder {

  private final Supplier<HttpStats> stats;
  private final Tags tags;

  /** Meters reading {@code stats} ({@code server::httpStats}), carrying {@code tags}. */
  public HttpMetrics(Supplier<HttpStats> stats, Iterable<Tag> tags) {
    this.stats = Checks.requireNonNull("stats", stats);
    this.tags = Tags.of(Checks.requireNonNull("tags", tags));
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Retained.by(registry, this); // Its meters read it weakly; see Retained.
    Gauge.builder("broadcast.http.unfinished", this, m -> m.stats.get().unfinishedRequests())
        .description("requests whose head or body is still arriving")
        .tags(tags)
        .register(registry);
    refused(registry, "host", HttpStats::refusedHost);
    refused(registry, "origin", HttpStats::refusedOrigin);
    refused(registry, "token", HttpStats::refusedToken);
    refused(registry, "shutting_down", HttpStats::refusedShuttingDown);
    refused(registry, "body_too_large", HttpStats::bodiesTooLarge);
    refused(registry, "body_timeout", HttpStats::bodiesTimedOut);
    refused(registry, "head_timeout", HttpStats::headsTimedOut);
    refused(registry, "unfinished", HttpStats::refusedUnfinished);
  }

  private void refused(MeterRegistry registry, String reason, ToLongFunction<HttpStats> count) {
    FunctionCounter.builder("broadcast.http.refused", this, m -> count.applyAsLong(m.stats.get()))
        .description("requests the front door answered itself, before any handler")
        .tags(tags)
        .tag("reason", reason)
        .register(registry);
  }
}
