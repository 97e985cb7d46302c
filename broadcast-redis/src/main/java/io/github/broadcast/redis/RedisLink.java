package io.github.broadcast.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The store's two connections to Redis, through Lettuce: one for commands (blocking and
 * asynchronous, shared by every caller) and one subscribed to the updates channel. Scripts run by
 * SHA and are loaded again after Redis forgot them (a restart).
 *
 * <p>Lettuce reconnects both connections by itself (jittered backoff). While one is down its
 * commands are rejected at once rather than queued, and commands in flight when it drops are not
 * replayed after the reconnect: so a failure tells whether the command was sent (see {@link
 * #REJECTED}). Events reach the store through the callbacks given at construction, on Lettuce's
 * threads.
 */
final class RedisLink implements AutoCloseable {

  /** How Lettuce's message starts when a command was rejected, never sent: "not made". */
  static final String REJECTED = "Currently not connected";

  /** What the store hears from the link, on Lettuce's threads. */
  interface Events {
    /** Either connection dropped. */
    void disconnected(boolean subscription);

    /** The command connection is back. */
    void reconnected();

    /** The updates channel is subscribed (again). */
    void subscribed();

    /** A message arrived on the updates channel. */
    void message(String message);
  }

  private final ClientResources resources;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final StatefulRedisPubSubConnection<String, String> pubSub;
  private final Map<String, String> shas = new ConcurrentHashMap<>();
  final RedisCommands<String, String> sync;
  final RedisAsyncCommands<String, String> async;

  /**
   * Connects both connections and checks Redis answers (and takes the password).
   *
   * @throws RedisException if it cannot; nothing is left open
   */
  RedisLink(
      RedisURI uri,
      Duration connectTimeout,
      Duration commandTimeout,
      Duration reconnectDelayMax,
      ClientResources shared,
      String channel,
      Events events) {
    uri.setTimeout(commandTimeout);
    Delay reconnectDelay =
        Delay.equalJitter(Duration.ofMillis(50), reconnectDelayMax, 50, TimeUnit.MILLISECONDS);
    // Over shared resources, resources of its own that hand each shared part back by name: a part
    // given to the builder is marked shared, and shutting these down leaves it running. Not
    // mutate(): its copy owns what it copies, and shutting it down stops the original's timer
    // (SentinelIT shows it).
    ClientResources.Builder builder = ClientResources.builder().reconnectDelay(reconnectDelay);
    if (shared != null) {
      builder
          .eventLoopGroupProvider(shared.eventLoopGroupProvider())
          .eventExecutorGroup(shared.eventExecutorGroup())
          .timer(shared.timer())
          .eventBus(shared.eventBus())
          .commandLatencyRecorder(shared.commandLatencyRecorder())
          .tracing(shared.tracing());
    }
    this.resources = builder.build();
    this.client = RedisClient.create(resources, uri);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
            .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
            .build());
    StatefulRedisConnection<String, String> commands = null;
    try {
      commands = client.connect();
      commands.sync().ping();
      this.pubSub = client.connectPubSub();
    } catch (RedisException e) {
      if (commands != null) {
        commands.close();
      }
      shutdown();
      throw e;
    }
    this.connection = commands;
    this.sync = commands.sync();
    this.async = commands.async();
    client.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
            if (handler == connection) {
              events.reconnected();
            }
          }

          @Override
          public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
            if (handler == pubSub || handler == connection) {
              events.disconnected(handler == pubSub);
            }
          }
        });
    pubSub.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String from, String message) {
            if (channel.equals(from)) {
              events.message(message);
            }
          }

          @Override
          public void subscribed(String to, long count) {
            if (channel.equals(to)) {
              events.subscribed();
            }
          }
        });
  }

  /** Subscribes to the channel; the {@code subscribed} event follows. */
  void subscribe(String channel) {
    pubSub.sync().subscribe(channel);
  }

  /** Runs {@code script}, blocking; throws Lettuce's exception. */
  Object eval(String script, ScriptOutputType type, String[] keys, String[] args) {
    String sha = shas.computeIfAbsent(script, sync::scriptLoad);
    try {
      return sync.evalsha(sha, type, keys, args);
    } catch (RedisNoScriptException e) {
      shas.put(script, sync.scriptLoad(script));
      return sync.evalsha(shas.get(script), type, keys, args);
    }
  }

  /** Runs {@code script} without blocking; the future fails with Lettuce's exception. */
  CompletableFuture<Object> evalAsync(
      String script, ScriptOutputType type, String[] keys, String[] args) {
    String known = shas.get(script);
    CompletableFuture<String> sha =
        known != null
            ? CompletableFuture.completedFuture(known)
            : async
                .scriptLoad(script)
                .toCompletableFuture()
                .thenApply(
                    loaded -> {
                      shas.put(script, loaded);
                      return loaded;
                    });
    return sha.thenCompose(s -> async.<Object>evalsha(s, type, keys, args).toCompletableFuture())
        .exceptionallyCompose(
            e -> {
              if (!(unwrap(e) instanceof RedisNoScriptException)) {
                return CompletableFuture.failedFuture(unwrap(e));
              }
              shas.remove(script); // Redis restarted and forgot it: load it again, once.
              return async
                  .scriptLoad(script)
                  .toCompletableFuture()
                  .thenCompose(
                      loaded -> {
                        shas.put(script, loaded);
                        return async
                            .<Object>evalsha(loaded, type, keys, args)
                            .toCompletableFuture();
                      });
            });
  }

  /** The cause a completion stage wraps. */
  static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  /** Calls {@code action} with the result or the unwrapped failure. */
  static <T> BiConsumer<T, Throwable> unwrapping(BiConsumer<T, Throwable> action) {
    return (result, error) -> action.accept(result, error == null ? null : unwrap(error));
  }

  @Override
  public void close() {
    try {
      pubSub.close();
      connection.close();
    } finally {
      shutdown();
    }
  }

  private void shutdown() {
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
