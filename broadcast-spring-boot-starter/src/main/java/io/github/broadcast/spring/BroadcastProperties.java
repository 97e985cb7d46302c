package io.github.broadcast.spring;

import io.github.broadcast.Broadcasters;
import io.github.broadcast.OverflowPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;
import org.springframework.util.unit.DataSize;

/**
 * The {@code broadcast.*} properties of the auto-configured broadcaster and endpoint. Unset values
 * keep the chosen preset's defaults (see {@code Broadcasters.Preset}); every value is checked when
 * the beans are built, and a bad one fails start-up naming the option.
 */
@ConfigurationProperties("broadcast")
public class BroadcastProperties {

  /** Whether to auto-configure the broadcaster and its endpoint. */
  private boolean enabled = true;

  /** The WebSocket path of the endpoint. */
  private String path = "/ws/broadcast";

  /** The delivery strategy: sequential, concurrent, batched, backpressure or production. */
  private Broadcasters.Preset preset = Broadcasters.Preset.PRODUCTION;

  /**
   * The least time between two flushes of a batched preset (flushes are self-clocked: each starts
   * once the previous one is on every ready client's socket); unset: the preset's (16 ms).
   */
  private Duration batchInterval;

  // The deprecated names' values: read only where the new name is unset, so the new name wins.
  private Duration flushInterval;
  private Duration maxFlushDelay;

  /**
   * The longest an update waits for its flush behind a client that stalled on the previous one;
   * unset: 250 ms (or the flush interval, if longer).
   */
  private Duration maxBatchDelay;

  /** How long a send may stay in flight before its client is closed; unset: the preset's. */
  private Duration sendTimeout;

  /** What a backpressure preset does when a client's outbox is full; unset: conflate. */
  private OverflowPolicy overflowPolicy;

  /** Per-client outbox limits (backpressure presets). */
  private final Outbox outbox = new Outbox();

  /** Liveness: a ping every interval; a client silent for the timeout is closed (1001). */
  private final Heartbeat heartbeat = new Heartbeat();

  /** The largest message a client may send; larger is closed with 1009. */
  private DataSize maxMessageSize = DataSize.ofKilobytes(64);

  /** Page origins allowed to connect (scheme://host[:port]); required unless allow-any-origin. */
  private List<String> allowedOrigins = new ArrayList<>();

  /** Allow connections from any origin: an explicit opt-out of the origin check. */
  private boolean allowAnyOrigin;

  /** The most clients connected at once; more are closed with 1013. */
  private int maxClients = 10_000;

  /** New connections a second, and in a burst; more are closed with 1013. */
  private final ConnectionRate connectionRate = new ConnectionRate();

  /**
   * The most clients one address may keep connected; more from it are closed with 1013. Unset: no
   * limit per address (many clients may share one: NAT, or a proxy not in trusted-proxies).
   */
  private Integer maxClientsPerAddress;

  /**
   * New connections a second, and in a burst, from one address; more from it are closed with 1013
   * before they spend the shared connection-rate. Unset: no limit per address.
   */
  private final ConnectionRate connectionRatePerAddress = new ConnectionRate(null, null);

  /**
   * Reverse proxies (IP addresses or CIDR networks) whose Forwarded / X-Forwarded-For headers name
   * the client for the limits per address. Empty: the headers are ignored. Leave empty with
   * server.forward-headers-strategy=native, which already gives the client's address.
   */
  private List<String> trustedProxies = new ArrayList<>();

  /** The header trusted-proxies write the client's address in: X-Forwarded-For or Forwarded. */
  private String forwardedHeader = "X-Forwarded-For";

  /** A shared secret every handshake must carry as ?token=; unset: none. */
  private String requiredToken;

  /** On shutdown, how long clients get to receive 1001 before the web server stops. */
  private Duration shutdownGrace = Duration.ofSeconds(5);

  /**
   * Serve the browser client at /broadcast/client.js and /broadcast/client.d.ts (broadcast-client);
   * false for an application that serves its own there.
   */
  private boolean serveClient = true;

  /** The Redis session store (broadcast-redis), built from Boot's spring.data.redis.*. */
  private final Redis redis = new Redis();

  /** Topics: how sessions are sorted into them, and how a client asks for some. */
  private final Topics topics = new Topics();

  /**
   * Topics (see io.github.broadcast.Topics): a client receives the sessions of its topics only. Who
   * may see which is a TopicAccess bean's decision (Spring Security's principal, a token); without
   * one, a client may ask for any topics.
   */
  public static class Topics {
    /**
     * The top-level member of a session's state that names its topic (owner, project, tenant);
     * unset: sessions are in no topic, and clients receive every session.
     */
    private String field;

    /** The query parameter a client asks for topics with, repeatable: ?topic=a&topic=b. */
    private String parameter = "topic";

    public String getField() {
      return field;
    }

    public void setField(String field) {
      this.field = field;
    }

    public String getParameter() {
      return parameter;
    }

    public void setParameter(String parameter) {
      this.parameter = parameter;
    }
  }

  public Topics getTopics() {
    return topics;
  }

  /** The Redis session store's settings; the connection is Boot's spring.data.redis.*. */
  public static class Redis {
    /**
     * Build a RedisSessionStore from spring.data.redis.* (standalone or Sentinel) on Boot's Lettuce
     * resources, unless the application has a SessionStore bean of its own.
     */
    private boolean enabled;

    /** The prefix of the store's keys and channel: several applications can share one Redis. */
    private String prefix = "broadcast";

    /** How long one Redis command may take. */
    private Duration commandTimeout = Duration.ofSeconds(2);

    /** The longest wait between two reconnect attempts. */
    private Duration reconnectDelayMax = Duration.ofSeconds(2);

    /** How long changes pause after Redis went back; unset: twice reconnect-delay-max. */
    private Duration rebuildWindow;

    /** How long a removed session's tombstone stays in Redis. */
    private Duration tombstoneTtl = Duration.ofMinutes(10);

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getPrefix() {
      return prefix;
    }

    public void setPrefix(String prefix) {
      this.prefix = prefix;
    }

    public Duration getCommandTimeout() {
      return commandTimeout;
    }

    public void setCommandTimeout(Duration commandTimeout) {
      this.commandTimeout = commandTimeout;
    }

    public Duration getReconnectDelayMax() {
      return reconnectDelayMax;
    }

    public void setReconnectDelayMax(Duration reconnectDelayMax) {
      this.reconnectDelayMax = reconnectDelayMax;
    }

    public Duration getRebuildWindow() {
      return rebuildWindow;
    }

    public void setRebuildWindow(Duration rebuildWindow) {
      this.rebuildWindow = rebuildWindow;
    }

    public Duration getTombstoneTtl() {
      return tombstoneTtl;
    }

    public void setTombstoneTtl(Duration tombstoneTtl) {
      this.tombstoneTtl = tombstoneTtl;
    }
  }

  public Redis getRedis() {
    return redis;
  }

  /** Per-client outbox limits. */
  public static class Outbox {
    /** The most bytes waiting for one client; unset: the preset's (1 MB). */
    private DataSize maxBytes;

    /** The most frames waiting for one client; unset: the preset's (1,024). */
    private Integer maxFrames;

    /** How long a client may stay behind before it is closed; unset: the preset's (30 s). */
    private Duration grace;

    public DataSize getMaxBytes() {
      return maxBytes;
    }

    public void setMaxBytes(DataSize maxBytes) {
      this.maxBytes = maxBytes;
    }

    public Integer getMaxFrames() {
      return maxFrames;
    }

    public void setMaxFrames(Integer maxFrames) {
      this.maxFrames = maxFrames;
    }

    public Duration getGrace() {
      return grace;
    }

    public void setGrace(Duration grace) {
      this.grace = grace;
    }
  }

  /** Liveness settings. */
  public static class Heartbeat {
    /** How often to ping each client; zero turns the heartbeat off. */
    private Duration interval = Duration.ofSeconds(15);

    /** How long a client may stay silent before it is closed; unset: 45 s. */
    private Duration silenceTimeout;

    private Duration timeout; // The deprecated name's value; silence-timeout wins.

    public Duration getInterval() {
      return interval;
    }

    public void setInterval(Duration interval) {
      this.interval = interval;
    }

    /**
     * The silence timeout: {@code silence-timeout}, else the deprecated {@code timeout}, else 45 s.
     */
    public Duration getSilenceTimeout() {
      return silenceTimeout != null
          ? silenceTimeout
          : timeout != null ? timeout : Duration.ofSeconds(45);
    }

    public void setSilenceTimeout(Duration silenceTimeout) {
      this.silenceTimeout = silenceTimeout;
    }

    /** The old name of {@code silence-timeout}, kept until the next minor version. */
    @Deprecated
    @DeprecatedConfigurationProperty(
        replacement = "broadcast.heartbeat.silence-timeout",
        reason = "one name with the builder's heartbeat(interval, silenceTimeout)")
    public Duration getTimeout() {
      return timeout;
    }

    /**
     * Sets the silence timeout under its old name; {@code silence-timeout} wins if both are set.
     */
    @Deprecated
    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }
  }

  /** A connection-rate limit. */
  public static class ConnectionRate {
    /** New connections a second, on average. */
    private Double perSecond;

    /** New connections in a burst. */
    private Integer burst;

    ConnectionRate() {
      this(100.0, 200);
    }

    ConnectionRate(Double perSecond, Integer burst) {
      this.perSecond = perSecond;
      this.burst = burst;
    }

    public Double getPerSecond() {
      return perSecond;
    }

    public void setPerSecond(Double perSecond) {
      this.perSecond = perSecond;
    }

    public Integer getBurst() {
      return burst;
    }

    public void setBurst(Integer burst) {
      this.burst = burst;
    }
  }

  public Integer getMaxClientsPerAddress() {
    return maxClientsPerAddress;
  }

  public void setMaxClientsPerAddress(Integer maxClientsPerAddress) {
    this.maxClientsPerAddress = maxClientsPerAddress;
  }

  public ConnectionRate getConnectionRatePerAddress() {
    return connectionRatePerAddress;
  }

  public String getForwardedHeader() {
    return forwardedHeader;
  }

  public void setForwardedHeader(String forwardedHeader) {
    this.forwardedHeader = forwardedHeader;
  }

  public List<String> getTrustedProxies() {
    return trustedProxies;
  }

  public void setTrustedProxies(List<String> trustedProxies) {
    this.trustedProxies = trustedProxies;
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public Broadcasters.Preset getPreset() {
    return preset;
  }

  public void setPreset(Broadcasters.Preset preset) {
    this.preset = preset;
  }

  /** The longest wait for a flush behind a stalled client, or null for the default. */
  public Duration getMaxBatchDelay() {
    return maxBatchDelay != null ? maxBatchDelay : maxFlushDelay;
  }

  /** Sets {@code broadcast.max-batch-delay}. */
  public void setMaxBatchDelay(Duration maxBatchDelay) {
    this.maxBatchDelay = maxBatchDelay;
  }

  /** The batch interval ({@code batch-interval}, else the deprecated {@code flush-interval}). */
  public Duration getBatchInterval() {
    return batchInterval != null ? batchInterval : flushInterval;
  }

  public void setBatchInterval(Duration batchInterval) {
    this.batchInterval = batchInterval;
  }

  /** The old name of {@code broadcast.max-batch-delay}, kept until the next minor version. */
  @Deprecated
  @DeprecatedConfigurationProperty(
      replacement = "broadcast.max-batch-delay",
      reason = "one name with the builder's maxBatchDelay")
  public Duration getMaxFlushDelay() {
    return maxFlushDelay;
  }

  /** Sets the max batch delay under its old name; {@code max-batch-delay} wins if both are set. */
  @Deprecated
  public void setMaxFlushDelay(Duration maxFlushDelay) {
    this.maxFlushDelay = maxFlushDelay;
  }

  /** The old name of {@code broadcast.batch-interval}, kept until the next minor version. */
  @Deprecated
  @DeprecatedConfigurationProperty(
      replacement = "broadcast.batch-interval",
      reason = "one name with the builder's batchInterval")
  public Duration getFlushInterval() {
    return flushInterval;
  }

  /** Sets the batch interval under its old name; {@code batch-interval} wins if both are set. */
  @Deprecated
  public void setFlushInterval(Duration flushInterval) {
    this.flushInterval = flushInterval;
  }

  public Duration getSendTimeout() {
    return sendTimeout;
  }

  public void setSendTimeout(Duration sendTimeout) {
    this.sendTimeout = sendTimeout;
  }

  public OverflowPolicy getOverflowPolicy() {
    return overflowPolicy;
  }

  public void setOverflowPolicy(OverflowPolicy overflowPolicy) {
    this.overflowPolicy = overflowPolicy;
  }

  public Outbox getOutbox() {
    return outbox;
  }

  public Heartbeat getHeartbeat() {
    return heartbeat;
  }

  public DataSize getMaxMessageSize() {
    return maxMessageSize;
  }

  public void setMaxMessageSize(DataSize maxMessageSize) {
    this.maxMessageSize = maxMessageSize;
  }

  public List<String> getAllowedOrigins() {
    return allowedOrigins;
  }

  public void setAllowedOrigins(List<String> allowedOrigins) {
    this.allowedOrigins = allowedOrigins;
  }

  public boolean isAllowAnyOrigin() {
    return allowAnyOrigin;
  }

  public void setAllowAnyOrigin(boolean allowAnyOrigin) {
    this.allowAnyOrigin = allowAnyOrigin;
  }

  public int getMaxClients() {
    return maxClients;
  }

  public void setMaxClients(int maxClients) {
    this.maxClients = maxClients;
  }

  public ConnectionRate getConnectionRate() {
    return connectionRate;
  }

  public String getRequiredToken() {
    return requiredToken;
  }

  public void setRequiredToken(String requiredToken) {
    this.requiredToken = requiredToken;
  }

  public boolean isServeClient() {
    return serveClient;
  }

  public void setServeClient(boolean serveClient) {
    this.serveClient = serveClient;
  }

  public Duration getShutdownGrace() {
    return shutdownGrace;
  }

  public void setShutdownGrace(Duration shutdownGrace) {
    this.shutdownGrace = shutdownGrace;
  }
}
