package io.lattice.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import com.google.protobuf.ProtocolMessageEnum;
import io.lattice.proto.v1.KVGrpc;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code dist/native-image/lattice-proto/reflect-config.json} lists every generated protobuf
 * message, builder and enum class of lattice-proto: protobuf-java reaches their accessor methods
 * reflectively (its field accessor table, behind {@code toString()} and {@code getAllFields()}),
 * which a native image only allows for registered classes. A new message makes this test fail;
 * {@code -Dlattice.native.update=true} rewrites the file.
 */
class NativeImageMetadataTest {
  private static final Path CONFIG = Path.of("native-image/lattice-proto/reflect-config.json");

  @Test
  void protobufReflectionConfigurationListsEveryGeneratedClass() throws Exception {
    String expected = render(generatedProtobufClasses());
    if ("true".equals(System.getProperty("lattice.native.update"))) {
      Files.writeString(CONFIG, expected, StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(CONFIG, StandardCharsets.UTF_8))
        .as("%s is stale: regenerate it with -Dlattice.native.update=true", CONFIG)
        .isEqualTo(expected);
  }

  /** Message, builder and enum classes in lattice-proto's io.lattice.proto.v1, sorted. */
  static List<String> generatedProtobufClasses() throws IOException, URISyntaxException {
    Path location = Path.of(KVGrpc.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    if (Files.isDirectory(location)) {
      return classesUnder(location);
    }
    try (FileSystem jar = FileSystems.newFileSystem(location)) {
      return classesUnder(jar.getPath("/"));
    }
  }

  private static List<String> classesUnder(Path root) throws IOException {
    Path pkg = root.resolve("io/lattice/proto/v1");
    try (Stream<Path> files = Files.list(pkg)) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".class"))
          .map(n -> "io.lattice.proto.v1." + n.substring(0, n.length() - ".class".length()))
          .filter(NativeImageMetadataTest::reachedReflectively)
          .sorted()
          .collect(Collectors.toList());
    }
  }

  private static boolean reachedReflectively(String className) {
    try {
      Class<?> c = Class.forName(className, false, NativeImageMetadataTest.class.getClassLoader());
      return Message.class.isAssignableFrom(c) || Message.Builder.class.isAssignableFrom(c)
          || (c.isEnum() && ProtocolMessageEnum.class.isAssignableFrom(c));
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String render(List<String> classes) {
    return classes.stream()
        .map(c -> "  {\n    \"name\": \"" + c + "\",\n    \"allPublicMethods\": true\n  }")
        .collect(Collectors.joining(",\n", "[\n", "\n]\n"));
  }
}
