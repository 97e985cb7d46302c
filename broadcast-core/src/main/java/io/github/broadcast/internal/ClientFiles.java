package io.github.broadcast.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The browser client's two files (broadcast-client's {@code META-INF/resources/broadcast/}), as the
 * embedded server and the Spring starter serve them: exactly these paths, each with its content
 * type and an ETag of its bytes, so that a page revalidates and gets a new version at once after an
 * upgrade. Read once; immutable; thread-safe.
 */
public final class ClientFiles {

  /** Where the module is served: {@code import {BroadcastClient} from '/broadcast/client.js'}. */
  public static final String MODULE = "/broadcast/client.js";

  /** Where its TypeScript declarations are served. */
  public static final String TYPES = "/broadcast/client.d.ts";

  private static final String RESOURCES = "META-INF/resources";

  /**
   * One file: its bytes (never modified), content type and ETag (quoted).
   *
   * @param bytes the file's bytes
   * @param contentType its {@code Content-Type}
   * @param etag its {@code ETag}, quoted
   */
  public record File(byte[] bytes, String contentType, String etag) {}

  private ClientFiles() {}

  /**
   * Reads both files with {@code loader}, by path.
   *
   * @throws IllegalStateException if broadcast-client is not on the class path
   */
  public static Map<String, File> load(ClassLoader loader) {
    Map<String, File> files = new LinkedHashMap<>();
    files.put(MODULE, read(loader, MODULE, "text/javascript; charset=utf-8"));
    files.put(TYPES, read(loader, TYPES, "text/plain; charset=utf-8"));
    return Map.copyOf(files);
  }

  private static File read(ClassLoader loader, String path, String contentType) {
    try (InputStream in = loader.getResourceAsStream(RESOURCES + path)) {
      if (in == null) {
        throw new IllegalStateException(
            RESOURCES + path + " : missing (expected: broadcast-client on the class path)");
      }
      byte[] bytes = in.readAllBytes();
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return new File(bytes, contentType, "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is in every JDK", e);
    }
  }
}
