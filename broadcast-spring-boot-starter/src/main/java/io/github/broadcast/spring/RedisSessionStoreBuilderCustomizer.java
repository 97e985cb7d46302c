package io.github.broadcast.spring;

import io.github.broadcast.redis.RedisSessionStore;

/**
 * Customizes the {@link RedisSessionStore.Builder} the starter builds the Redis session store with
 * ({@code broadcast.redis.enabled=true}), after the {@code broadcast.redis.*} properties and before
 * it connects: for what a property cannot say, such as when a session expires ({@code
 * expireAfter}). Every such bean is applied, in {@code @Order}.
 */
@FunctionalInterface
public interface RedisSessionStoreBuilderCustomizer {

  /** Customizes {@code builder}. */
  void customize(RedisSessionStore.Builder builder);
}
